#!/usr/bin/env node
/**
 * A throwaway PostgreSQL cluster on a free loopback port, for the server's
 * Postgres tests and bench: initdb into a temporary directory, pg_ctl start,
 * and on stop, the directory goes. Debian's `postgresql` package provides the
 * binaries (/usr/lib/postgresql/N/bin; or set PG_BIN). PostgreSQL refuses to
 * run as root, so under root the cluster belongs to, and runs as, the
 * `postgres` user.
 *
 *   node test/server/pg-cluster.mjs run -- CMD ARGS…   start, run CMD with IDSYNC_PG_URL set, stop
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../free-port.mjs';

export const HOW_TO_INSTALL =
  "PostgreSQL is not installed: install Debian's postgresql package " +
  '(apt-get install postgresql) or set PG_BIN to the directory holding initdb and pg_ctl';

/** The directory holding initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function findPgBin() {
  if (process.env.PG_BIN)
    return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function pgRun(bin, command, args) {
  const file = join(bin, command);
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/**
 * Starts a cluster. Resolves with its URL (user `idsync`, trust auth, loopback
 * only) and controls: stopServer/startServer (a restart keeps the data), stop
 * (everything goes).
 */
export async function startCluster() {
  const bin = findPgBin();
  if (!bin) throw new Error(HOW_TO_INSTALL);
  const dir = mkdtempSync(join(tmpdir(), 'idsync-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  pgRun(bin, 'initdb', ['-D', data, '-U', 'idsync', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const ctl = (...args) =>
    pgRun(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  const startServer = () => ctl('-o', options, 'start');
  const stopServer = (mode = 'fast') => ctl('-m', mode, 'stop');
  try {
    startServer();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${error.stderr || error.message}`);
  }
  let stopped = false;
  return {
    url: `postgres://idsync@127.0.0.1:${port}/postgres`,
    /** a URL to a further database of this cluster (created by the caller) */
    urlOf: (database) => `postgres://idsync@127.0.0.1:${port}/${database}`,
    port,
    dir,
    startServer,
    stopServer,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        stopServer('immediate');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `run -- CMD…`: CMD runs with IDSYNC_PG_URL pointing at a fresh cluster, which goes afterwards. */
async function main(argv) {
  const dashes = argv.indexOf('--');
  if (argv[0] !== 'run' || dashes === -1 || dashes === argv.length - 1) {
    console.error('usage: node test/server/pg-cluster.mjs run -- CMD [ARGS…]');
    process.exit(2);
  }
  const cluster = await startCluster();
  const [cmd, ...args] = argv.slice(dashes + 1);
  console.log(`PostgreSQL cluster on ${cluster.url}`);
  const child = spawn(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, IDSYNC_PG_URL: cluster.url },
  });
  const stopAndExit = (code) => {
    cluster.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => child.kill('SIGINT'));
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => stopAndExit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
