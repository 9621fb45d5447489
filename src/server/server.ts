/**
 * The local IDSync v1 server: Node's `http`, no framework. Any client that
 * speaks IDSync v1 can be pointed at it; answers come from an
 * `IdentityBackend` (the CLI gives it the same LocalResolver as the browser).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentityError } from '../errors';
import type { IdentityBackend, Profile } from '../types';
import {
  errorBody,
  identityAnswer,
  modifyAnswer,
  parseAliasRequest,
  parseIdentityRequest,
  parseModifyRequest,
  statusOf,
} from './idsync-json';

/** The backend plus the one inspection call `GET /v1/_profiles` needs. */
export type ServerBackend = IdentityBackend & { profiles(): Promise<Profile[]> };

/** A canned answer for the next API request, or no answer at all. */
export type FaultAnswer =
  { status: number; headers?: Record<string, string>; body?: unknown } | { hang: true };

export interface Faults {
  /** the next API request (identify/login/logout/modify/alias) gets this answer */
  queue(...answers: FaultAnswer[]): void;
  /** forgets queued answers */
  clear(): void;
  readonly queued: number;
  /** share of API requests answered 503, 0…1 */
  failRate: number;
  /** added before every API answer */
  latencyMs: number;
}

export interface IdsyncServerOptions {
  backend: ServerBackend;
  /** when set, identity calls need `x-mp-key: <apiKey>` and alias the key in its path */
  apiKey?: string;
  /** accept `POST /v1/_faults` (queue answers over HTTP) and `DELETE /v1/_faults` */
  faultsApi?: boolean;
  failRate?: number;
  latencyMs?: number;
  /** for fail-rate draws; default Math.random */
  random?: () => number;
  /** one line per request, and internal errors */
  log?: (line: string) => void;
  now?: () => number;
}

export interface IdsyncServer {
  /** port 0 picks a free one; host defaults to 127.0.0.1 */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  readonly faults: Faults;
}

export const BODY_LIMIT_BYTES = 64 * 1024;
/** An oversized body is read and dropped up to this much, then the socket is cut. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

type Route =
  | { kind: 'identity'; call: 'identify' | 'login' | 'logout' }
  | { kind: 'modify'; mpid: string }
  | { kind: 'alias'; apiKey: string }
  | { kind: 'profiles' }
  | { kind: 'faults' };

/** Paths match case-insensitively, trailing slashes ignored; `null` = no such path. */
function route(pathname: string): Route | null {
  const path = pathname.replace(/\/+$/, '');
  let m = /^\/v1\/(identify|login|logout)$/i.exec(path);
  if (m) return { kind: 'identity', call: m[1]!.toLowerCase() as 'identify' };
  m = /^\/v1\/identity\/([^/]+)\/alias$/i.exec(path);
  if (m) return { kind: 'alias', apiKey: decodeURIComponent(m[1]!) };
  m = /^\/v1\/([^/_][^/]*)\/modify$/i.exec(path);
  if (m) return { kind: 'modify', mpid: decodeURIComponent(m[1]!) };
  if (/^\/v1\/_profiles$/i.test(path)) return { kind: 'profiles' };
  if (/^\/v1\/_faults$/i.test(path)) return { kind: 'faults' };
  return null;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

function errorAnswer(status: number, code: string, message: string) {
  return new HttpAnswer(status, errorBody(code, message));
}

export function createIdsyncServer(options: IdsyncServerOptions): IdsyncServer {
  const { backend, apiKey, faultsApi = false, log } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const initialFailRate = options.failRate ?? 0;
  const initialLatencyMs = options.latencyMs ?? 0;
  const queue: FaultAnswer[] = [];
  const faults: Faults = {
    queue: (...answers) => void queue.push(...answers.map(validFault)),
    clear: () => void queue.splice(0),
    get queued() {
      return queue.length;
    },
    failRate: initialFailRate,
    latencyMs: initialLatencyMs,
  };
  let loopbackOnly = true;
  let contextCounter = 0;

  const server = createServer((req, res) => {
    const started = now();
    res.on('finish', () =>
      log?.(`${req.method} ${req.url} ${res.statusCode} ${now() - started}ms`),
    );
    handle(req, res).catch((error: unknown) => {
      // The last line of defence: whatever went wrong, answer and keep serving.
      log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      write(req, res, errorAnswer(500, 'internal', 'Internal server error'));
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') return write(req, res, preflight(req));
    let target: Route | null;
    try {
      target = route(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      target = null; // a malformed %-escape in the path
    }
    if (target === null || (target.kind === 'faults' && !faultsApi)) {
      return write(req, res, errorAnswer(404, 'not_found', `No such endpoint: ${req.url}`));
    }
    if (target.kind === 'profiles') {
      if (req.method !== 'GET') return write(req, res, notAllowed('GET'));
      return write(req, res, new HttpAnswer(200, await backend.profiles()));
    }
    if (target.kind === 'faults' && req.method === 'DELETE') {
      faults.clear();
      faults.failRate = initialFailRate;
      faults.latencyMs = initialLatencyMs;
      return write(req, res, new HttpAnswer(204, undefined));
    }
    if (req.method !== 'POST') return write(req, res, notAllowed('POST'));

    const text = await readBody(req);
    if (text === undefined) {
      const message = `Request body is larger than ${BODY_LIMIT_BYTES} bytes`;
      return write(req, res, errorAnswer(400, 'body_too_large', message), true);
    }
    if (target.kind === 'faults') return write(req, res, configureFaults(text));

    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const fault = queue.shift();
    if (fault !== undefined) {
      if ('hang' in fault) return; // never answered: the client's timeout must fire
      return write(req, res, new HttpAnswer(fault.status, fault.body, fault.headers));
    }
    if (faults.failRate > 0 && random() < faults.failRate) {
      return write(req, res, errorAnswer(503, 'injected_fault', 'Injected failure (fail rate)'));
    }
    return write(req, res, await answerApi(target, req, text));
  }

  async function answerApi(target: Route, req: IncomingMessage, text: string) {
    try {
      if (apiKey !== undefined) {
        const given = target.kind === 'alias' ? target.apiKey : req.headers['x-mp-key'];
        if (given !== apiKey) {
          const where = target.kind === 'alias' ? 'API key in the alias path' : 'x-mp-key header';
          return errorAnswer(401, 'unauthorized', `Missing or wrong ${where}`);
        }
      }
      const body = parseBody(text);
      const context = `ctx-${++contextCounter}`;
      switch (target.kind) {
        case 'identity': {
          const request = parseIdentityRequest(body, now());
          const response = await backend[target.call](request);
          return new HttpAnswer(200, identityAnswer(response, context));
        }
        case 'modify': {
          const request = parseModifyRequest(body, now());
          const response = await backend.modify(target.mpid, request);
          return new HttpAnswer(200, modifyAnswer(request, response, context));
        }
        case 'alias': {
          const { httpCode } = await backend.alias(parseAliasRequest(body));
          return new HttpAnswer(httpCode >= 200 && httpCode < 300 ? httpCode : 202, undefined);
        }
        default:
          return errorAnswer(404, 'not_found', 'No such endpoint');
      }
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      const status = statusOf(error);
      const headers: Record<string, string> = {};
      if (status === 429 && error.retryAfterMs !== undefined) {
        headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
      }
      return new HttpAnswer(status, errorBody(error.code, error.message), headers);
    }
  }

  function configureFaults(text: string): HttpAnswer {
    try {
      const body = parseBody(text);
      const isAnswer = (v: unknown) =>
        typeof v === 'object' && v !== null && ('status' in v || 'hang' in v);
      if (Array.isArray(body) || isAnswer(body)) {
        faults.queue(...((Array.isArray(body) ? body : [body]) as FaultAnswer[]));
      } else if (typeof body === 'object' && body !== null) {
        const { failRate, latencyMs } = body as { failRate?: unknown; latencyMs?: unknown };
        if (failRate !== undefined) faults.failRate = fraction(failRate, 'failRate');
        if (latencyMs !== undefined) faults.latencyMs = nonNegative(latencyMs, 'latencyMs');
      } else {
        throw new IdentityError('bad_request', 'Expected an answer, a list of answers or settings');
      }
      return new HttpAnswer(200, {
        queued: queue.length,
        failRate: faults.failRate,
        latencyMs: faults.latencyMs,
      });
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      return errorAnswer(400, 'bad_request', error.message);
    }
  }

  function corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    // Bound to loopback, any page of the developer's may call (file:// sends
    // "null"); bound to a network address, only pages served from loopback.
    const allowed = loopbackOnly ? '*' : origin && LOOPBACK_ORIGIN.test(origin) ? origin : null;
    if (allowed === null) return {};
    return {
      'Access-Control-Allow-Origin': allowed,
      // Retry-After is not a CORS-safelisted response header: without this a
      // browser client could not see how long a 429 asks it to wait.
      'Access-Control-Expose-Headers': 'Retry-After',
      Vary: 'Origin',
    };
  }

  function preflight(req: IncomingMessage): HttpAnswer {
    const headers: Record<string, string> = {
      'Access-Control-Allow-Methods': 'POST, GET, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'x-mp-key, content-type',
      'Access-Control-Max-Age': '600',
    };
    // Chrome's Private Network Access: a public page calling this local server.
    if (req.headers['access-control-request-private-network'] === 'true') {
      headers['Access-Control-Allow-Private-Network'] = 'true';
    }
    return new HttpAnswer(204, undefined, headers);
  }

  function write(req: IncomingMessage, res: ServerResponse, answer: HttpAnswer, close = false) {
    if (res.headersSent || res.destroyed) return;
    const payload =
      answer.body === undefined
        ? ''
        : typeof answer.body === 'string'
          ? answer.body // a queued fault may send a deliberately broken body
          : JSON.stringify(answer.body);
    try {
      res.writeHead(answer.status, {
        ...corsHeaders(req),
        ...(payload === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        ...(close ? { Connection: 'close' } : {}),
        ...answer.headers,
      });
    } catch {
      // An invalid queued header or status: say so instead of crashing.
      res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(errorBody('internal', 'Invalid injected answer')));
      return;
    }
    res.end(payload);
  }

  return {
    faults,
    listen(port, host = '127.0.0.1') {
      loopbackOnly = LOOPBACK_HOSTS.has(host);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const { port: actual } = server.address() as AddressInfo;
          const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
          resolve({ port: actual, url: `http://${shown}:${actual}/v1` });
        });
      });
    },
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging fault answers and keep-alive sockets would hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}

function notAllowed(allow: string) {
  return new HttpAnswer(405, errorBody('method_not_allowed', `Use ${allow}`), { Allow: allow });
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdentityError('bad_request', `Request body is not valid JSON: ${reason}`, {
      httpCode: 400,
    });
  }
}

/**
 * The body as text, or `undefined` when it is over the limit. An oversized
 * body is still read (and dropped) so that the client sees our 400 rather
 * than a reset connection.
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > BODY_LIMIT_BYTES;
    if (tooLarge) resolve(undefined);
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT_BYTES) return req.destroy();
      if (tooLarge) return;
      if (size > BODY_LIMIT_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        return resolve(undefined);
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function validFault(answer: FaultAnswer): FaultAnswer {
  if (typeof answer !== 'object' || answer === null) {
    throw new IdentityError('bad_request', 'A fault answer must be an object');
  }
  if ('hang' in answer) {
    if (answer.hang !== true) throw new IdentityError('bad_request', 'hang must be true');
    return { hang: true };
  }
  const { status, headers, body } = answer;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new IdentityError('bad_request', 'status must be an integer from 200 to 599');
  }
  const safeHeaders: Record<string, string> = {};
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      throw new IdentityError('bad_request', 'headers must be an object of strings');
    }
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new IdentityError('bad_request', `header ${name} must be a string`);
      }
      if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue;
      safeHeaders[name] = String(value);
    }
  }
  return { status, headers: safeHeaders, body };
}

function fraction(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new IdentityError('bad_request', `${field} must be a number from 0 to 1`);
  }
  return value;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new IdentityError('bad_request', `${field} must be a non-negative number`);
  }
  return value;
}
