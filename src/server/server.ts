/**
 * The local IDSync v1 server: Node's `http`, no framework. Any client that
 * speaks IDSync v1 can be pointed at it; answers come from an
 * `IdentityBackend` (the CLI gives it the same LocalResolver as the browser).
 * This file sets up the server and its limits; what a request passes
 * through, in which order, is request-handler.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IdentityBackend } from '../types';
import { createFaults, type Faults } from './faults';
import { describe } from './handlers';
import { errorAnswer, writeAnswer, type HttpAnswer } from './http/answer';
import { keyChecker } from './http/auth';
import { declaredTooLarge, tooLargeAnswer, type BodyLimits } from './http/body';
import { originPolicy } from './http/cors';
import { hostChecker } from './http/host-header';
import { loggedPath } from './http/routing';
import type { ProfilePages } from './profile-pages';
import { handleRequest, type RequestPolicy } from './request-handler';

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
  const initialFaults = { failRate: options.failRate ?? 0, latencyMs: options.latencyMs ?? 0 };
  let contextCounter = 0;
  const policy: RequestPolicy = {
    hostAllowed: hostChecker(),
    origins: originPolicy(options.allowOrigins),
    keyMatches: options.apiKey === undefined ? undefined : keyChecker(options.apiKey),
    limits,
    faults: createFaults(initialFaults),
    initialFaults,
    faultsApi: options.faultsApi ?? false,
    random: options.random ?? Math.random,
    profiles: options.profiles,
    api: {
      backend: options.backend,
      now,
      nextContext: () => `ctx-${++contextCounter}`,
      ...(log ? { log } : {}),
    },
  };

  const respond = (req: IncomingMessage, res: ServerResponse): void => {
    const started = now();
    const [pathname = '/', search = ''] = (req.url ?? '/').split('?', 2);
    res.on('finish', () =>
      log?.(`${req.method} ${loggedPath(pathname)} ${res.statusCode} ${now() - started}ms`),
    );
    const send = (answer: HttpAnswer | null) =>
      answer && writeAnswer(res, answer, policy.origins.headers(req));
    handleRequest(policy, req, pathname, new URLSearchParams(search)).then(send, (error) => {
      // The last line of defence: whatever went wrong, answer and keep serving.
      log?.(`internal error: ${describe(error)}`);
      send(errorAnswer(500, 'internal', 'Internal server error'));
    });
  };
  const server = nodeServer(limits, respond, (req, res) =>
    writeAnswer(res, tooLargeAnswer(limits.maxBytes), policy.origins.headers(req)),
  );

  return {
    faults: policy.faults,
    listen(port, host = '127.0.0.1') {
      policy.hostAllowed = hostChecker(host);
      return listenOn(server, port, host);
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

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Node's server with every limit set explicitly. */
function nodeServer(limits: ServerLimits, respond: Handler, refuseTooLarge: Handler): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      // Node's own backstop for the whole request; the body timer answers first.
      requestTimeout: limits.headersTimeoutMs + limits.timeoutMs + 1_000,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    respond,
  );
  server.maxConnections = limits.maxConnections;
  // `Expect: 100-continue`: an oversized body is refused before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredTooLarge(req, limits.maxBytes)) return refuseTooLarge(req, res);
    res.writeContinue();
    respond(req, res);
  });
  server.on('clientError', answerClientError);
  return server;
}

function listenOn(server: Server, port: number, host: string) {
  return new Promise<{ port: number; url: string }>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: actual } = server.address() as AddressInfo;
      const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      resolve({ port: actual, url: `http://${shown}:${actual}/v1` });
    });
  });
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
