/**
 * The server as its users run it (dist/server.mjs, a child process on a free
 * loopback port), and a small keep-alive HTTP client to load it.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOW_TO_INSTALL, findPgBin } from '../pg-cluster.mjs';

export const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const SERVER = resolve(REPO, 'dist/server.mjs');

/**
 * Whether the Postgres tests can run. Without PostgreSQL they are skipped
 * with a note, except under CI, where that is a failure.
 */
export function postgresAvailable(t) {
  if (findPgBin()) return true;
  if (process.env.CI) throw new Error(`${HOW_TO_INSTALL} (required in CI)`);
  t.skip(HOW_TO_INSTALL);
  return false;
}

/** Starts `dist/server.mjs ARGS` on a free port; resolves once it listens. */
export function startServer(args) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the server did not start within 15 s:\n${output}`));
    }, 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (!found) return;
      clearTimeout(timer);
      const url = found[1];
      done({
        url,
        child,
        exited,
        output: () => output,
        kill: (signal = 'SIGTERM') => stop(child, signal),
      });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
}

function stop(child, signal) {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill(signal);
  });
}

/** Runs `dist/server.mjs ARGS` to its end (an import); resolves with its exit code and output. */
export function runCli(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (output += c));
    child.once('exit', (code) => done({ code, output }));
  });
}

/** A keep-alive client for one base URL; answers never reject (a refused call is status 0). */
export function httpClient(baseUrl, { sockets = 50, apiKey = 'k' } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const base = new URL(baseUrl);
  const call = (method, path, body) =>
    new Promise((done) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: `${base.pathname}${path}`,
          headers: {
            'x-mp-key': apiKey,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: 20_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c) => (text += c));
          res.on('end', () => {
            let json;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            done({ status: res.statusCode, body: json });
          });
          res.on('error', (error) => done({ status: 0, error }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => done({ status: 0, error }));
      req.end(payload);
    });
  return {
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
    close: () => agent.destroy(),
  };
}

/** An IDSync login body as the SDK sends it. */
export function loginBody(identities, previousMpid = null) {
  return {
    client_sdk: { platform: 'web', sdk_vendor: 'idsync-web', sdk_version: 'test' },
    environment: 'development',
    request_id: `${Math.random()}`,
    request_timestamp_ms: Date.now(),
    previous_mpid: previousMpid,
    known_identities: identities,
  };
}

/** Every profile, page by page through GET /v1/_profiles. */
export async function allProfiles(client) {
  const profiles = [];
  let cursor = null;
  for (;;) {
    const query = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const { status, body } = await client.get(`/_profiles?limit=1000${query}`);
    if (status !== 200) throw new Error(`GET /_profiles answered ${status}`);
    profiles.push(...body.profiles);
    if (body.next_cursor === null) return profiles;
    cursor = body.next_cursor;
  }
}

/** `workers` loops of `job(worker, n)` until `until()` says stop. */
export async function runWorkers(workers, until, job) {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let n = 0; !until(); n++) await job(worker, n);
    }),
  );
}
