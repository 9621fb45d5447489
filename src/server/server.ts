/**
 * The local IDSync v1 server: Node's `http`, no framework. Any client that
 * speaks IDSync v1 can be pointed at it; answers come from an
 * `IdentityBackend` (the CLI gives it the same LocalResolver as the browser).
 *
 * A request passes, in order: the Host check (http/host-header.ts), the
 * Origin check and preflight (http/cors.ts), routing (http/routing.ts), the
 * API key (http/auth.ts), the body limits (http/body.ts), fault injection
 * (faults.ts) and finally its handler (handlers.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IdentityBackend } from '../types';
import { createFaults, type Faults } from './faults';
import { answerApi, answerFaults, answerProfiles, describe, type ApiContext } from './handlers';
import { errorAnswer, HttpAnswer, notAllowed, writeAnswer } from './http/answer';
import { checkApiKey, keyChecker } from './http/auth';
import { declaredTooLarge, readBody, tooLargeAnswer, type BodyLimits } from './http/body';
import { originPolicy } from './http/cors';
import { hostChecker } from './http/host-header';
import { loggedPath, route, type Route } from './http/routing';
import type { ProfilePages } from './profile-pages';

export type { FaultAnswer, Faults } from './faults';
export type { ProfilePages } from './profile-pages';

/** Sizes and times the server allows a client; every one is explicit, none is Node's default. */
export interface ServerLimits extends BodyLimits {
  /** the request line and headers must arrive within this time */
  headersTimeoutMs: number;
  /** an idle keep-alive connection is closed after this time */
  keepAliveTimeoutMs: number;
  /** connections beyond this many are refused */
  maxConnections: number;
}

export const BODY_LIMIT_BYTES = 64 * 1024;

export const DEFAULT_LIMITS: ServerLimits = {
  maxBytes: BODY_LIMIT_BYTES,
  drainBytes: 4 * 1024 * 1024,
  timeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

export interface IdsyncServerOptions {
  backend: IdentityBackend;
  /** what `GET /v1/_profiles` lists */
  profiles: ProfilePages;
  /** when set, every route needs it: `x-mp-key: <apiKey>`, or in the alias path */
  apiKey?: string;
  /** origins whose pages may call (CORS); default `['loopback']`: pages served from this machine */
  allowOrigins?: readonly string[];
  /** accept `POST /v1/_faults` (queue answers over HTTP) and `DELETE /v1/_faults` */
  faultsApi?: boolean;
  failRate?: number;
  latencyMs?: number;
  /** for fail-rate draws; default Math.random */
  random?: () => number;
  /** one line per request, and internal errors */
  log?: (line: string) => void;
  now?: () => number;
  limits?: Partial<ServerLimits>;
}

export interface IdsyncServer {
  /** port 0 picks a free one; host defaults to 127.0.0.1 and is also accepted in Host headers */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  readonly faults: Faults;
}

export function createIdsyncServer(options: IdsyncServerOptions): IdsyncServer {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const { log } = options;
  const now = options.now ?? Date.now;
  const initial = { failRate: options.failRate ?? 0, latencyMs: options.latencyMs ?? 0 };
  const faults = createFaults(initial);
  const origins = originPolicy(options.allowOrigins);
  const keyMatches = options.apiKey === undefined ? undefined : keyChecker(options.apiKey);
  let hostAllowed = hostChecker();
  let contextCounter = 0;
  const api: ApiContext = {
    backend: options.backend,
    now,
    nextContext: () => `ctx-${++contextCounter}`,
    ...(log ? { log } : {}),
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // Node's own backstop for the whole request; the body timer answers first.
      requestTimeout: limits.headersTimeoutMs + limits.timeoutMs + 1_000,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => respond(req, res),
  );
  server.maxConnections = limits.maxConnections;
  // `Expect: 100-continue`: an oversized body is refused before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaredTooLarge(req, limits.maxBytes)) {
      res.writeContinue();
      return respond(req, res);
    }
    writeAnswer(res, tooLargeAnswer(limits.maxBytes), origins.headers(req));
  });
  server.on('clientError', answerClientError);

  function respond(req: IncomingMessage, res: ServerResponse): void {
    const started = now();
    const [pathname = '/', search = ''] = (req.url ?? '/').split('?', 2);
    res.on('finish', () =>
      log?.(`${req.method} ${loggedPath(pathname)} ${res.statusCode} ${now() - started}ms`),
    );
    const send = (answer: HttpAnswer | null) =>
      answer && writeAnswer(res, answer, origins.headers(req));
    handle(req, pathname, new URLSearchParams(search)).then(send, (error: unknown) => {
      // The last line of defence: whatever went wrong, answer and keep serving.
      log?.(`internal error: ${describe(error)}`);
      send(errorAnswer(500, 'internal', 'Internal server error'));
    });
  }

  /** The answer to a request; `null` sends nothing (a queued hang, a client gone). */
  async function handle(req: IncomingMessage, pathname: string, search: URLSearchParams) {
    if (!hostAllowed(req.headers.host)) {
      return errorAnswer(403, 'forbidden_host', 'This server does not answer to that Host');
    }
    if (req.method === 'OPTIONS') return origins.preflight(req);
    if (!origins.allows(req)) {
      return errorAnswer(403, 'forbidden_origin', 'This origin may not call this server');
    }
    const target = route(pathname);
    if (target === null || (target.kind === 'faults' && !options.faultsApi)) {
      return errorAnswer(404, 'not_found', 'No such endpoint');
    }
    const unauthorized = checkApiKey(keyMatches, target, req);
    if (unauthorized) return unauthorized;
    if (target.kind === 'profiles') {
      if (req.method !== 'GET') return notAllowed('GET');
      return answerProfiles(search, options.profiles);
    }
    if (target.kind === 'faults' && req.method === 'DELETE') {
      faults.clear();
      Object.assign(faults, initial);
      return new HttpAnswer(204, undefined);
    }
    if (req.method !== 'POST')
      return notAllowed(target.kind === 'faults' ? 'POST, DELETE' : 'POST');
    const body = await readBody(req, limits);
    if (!body.ok) return body.answer;
    if (target.kind === 'faults') return answerFaults(faults, body.text);
    return answerWithFaults(target, body.text);
  }

  /** Injected faults come after the key check: only a client with the key sees them. */
  async function answerWithFaults(target: Route, text: string): Promise<HttpAnswer | null> {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const fault = faults.next();
    if (fault !== undefined) {
      if ('hang' in fault) return null; // never answered: the client's timeout must fire
      return new HttpAnswer(fault.status, fault.body, fault.headers);
    }
    if (faults.failRate > 0 && (options.random ?? Math.random)() < faults.failRate) {
      return errorAnswer(503, 'injected_fault', 'Injected failure (fail rate)');
    }
    return answerApi(target, text, api);
  }

  return {
    faults,
    listen(port, host = '127.0.0.1') {
      hostAllowed = hostChecker(host);
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

/** A request Node could not parse, or whose headers came too slowly or too large. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? '408 Request Timeout'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
