import { domainCovers, isHostOnlyHost } from '../cookie/domain';
import {
  encodeCookieValue,
  findIdentityCookie,
  isCookieNewer,
  validateExactCookieState,
} from '../cookie/format';
import {
  checkSecureRules,
  cookieString,
  normaliseCookieOptions,
  type CookieOptions,
  type NormalisedCookieOptions,
} from '../cookie/options';
import { IdentityError } from '../errors';
import { failWith, isPlainObject, type Fail } from '../validation/plain';
import { unwrapCookieValue } from './parse-cookie';

/**
 * The parts of a Node `IncomingMessage` (or Express request) the handler
 * reads. Typed here rather than with @types/node so that the declarations
 * need nothing but this package.
 */
export interface CookieHandlerRequest {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
  /** set by Express body parsers (express.json, express.text, express.raw); else the stream is read */
  body?: unknown;
  socket?: unknown;
  on?(event: string, listener: (...args: never[]) => void): unknown;
}

/** The parts of a Node `ServerResponse` (or Express response) the handler uses. */
export interface CookieHandlerResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** A POST body is the state and the domain (about 150 bytes); anything far larger is refused unread. */
export const MAX_REFRESH_BODY_BYTES = 1024;

const fail: Fail = failWith('bad_request');
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * The handler for `cookie.refreshUrl` (Node http, Express): validates the
 * posted state and answers 204 with Set-Cookie, so the cookie is set by the
 * server (Safari keeps it past 7 days). Anything else: 400 and no Set-Cookie;
 * 405 for other methods. Pass the same CookieOptions as the client.
 * Resolves once the answer is sent; never rejects.
 */
export function identityCookieHandler(
  options: CookieOptions = {},
): (req: CookieHandlerRequest, res: CookieHandlerResponse) => Promise<void> {
  const invalid = failWith('validation');
  const normalised = normaliseCookieOptions(options, invalid);
  checkSecureRules(normalised, normalised.secure, invalid);
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, 'identity cookie: POST only');
      return;
    }
    let setCookie: string | null;
    try {
      setCookie = await cookieFor(req, normalised);
    } catch (error) {
      // The body may be left unread (too large): the connection is not reused.
      res.setHeader('connection', 'close');
      answer(
        res,
        400,
        `identity cookie: ${error instanceof IdentityError ? error.message : 'bad request'}`,
      );
      return;
    }
    if (setCookie !== null) res.setHeader('set-cookie', setCookie);
    answer(res, 204);
  };
}

function answer(res: CookieHandlerResponse, status: number, message?: string): void {
  res.statusCode = status;
  if (message === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(message);
}

/**
 * The Set-Cookie for a valid posted state, or null when the request's own
 * cookie is newer (a sibling wrote after this state was posted: keep it).
 */
async function cookieFor(
  req: CookieHandlerRequest,
  options: NormalisedCookieOptions,
): Promise<string | null> {
  const headers = req.headers;
  if (!JSON_TYPE.test(String(headers['content-type'] ?? ''))) {
    fail('content-type must be application/json'); // also keeps cross-site forms out
  }
  if (headers['sec-fetch-site'] === 'cross-site') fail('cross-site requests are refused');
  const hostname = hostOf(headers.host ?? headers[':authority']);
  const body = await readJson(req);
  if (!isPlainObject(body)) fail('body must be a JSON object');
  const { domain, ...rest } = body;
  if (!('domain' in body) || (domain !== null && typeof domain !== 'string')) {
    fail('domain must be the domain the page wrote the cookie with, or null');
  }
  const state = validateExactCookieState(rest, fail);
  checkDomain(domain, hostname, options);
  const existing = findIdentityCookie(
    String(headers.cookie ?? ''),
    options.name,
    unwrapCookieValue,
  );
  if (existing !== null && existing.ok && isCookieNewer(existing.state, state)) return null;
  const secure = options.secure ?? (isHttps(req) || options.sameSite === 'None');
  return cookieString(options, encodeCookieValue(state, fail), domain, secure);
}

/**
 * A server cannot probe which suffix of its host is a public suffix, so it
 * takes the Domain the page found (its probe) and checks only that the
 * cookie would be sent to this host: the browser itself refuses a public
 * suffix. Written with the page's Domain, the server's cookie replaces the
 * page's instead of standing beside it under the same name.
 */
function checkDomain(domain: string | null, hostname: string, options: NormalisedCookieOptions) {
  const hostOnly = isHostOnlyHost(hostname);
  if (options.domain !== null && !domainCovers(options.domain, hostname)) {
    fail(`host "${hostname}" is outside cookie.domain "${options.domain}"`);
  }
  const expected = hostOnly ? null : options.domain;
  if (domain === null ? expected !== null : hostOnly || !domainCovers(domain, hostname)) {
    fail(`domain ${JSON.stringify(domain)} does not fit host "${hostname}"`);
  }
  if (expected !== null && domain !== expected) {
    fail(`domain "${domain}" differs from cookie.domain "${expected}"`);
  }
  if (domain !== null && !domain.includes('.')) fail(`domain "${domain}" is a top-level domain`);
}

function hostOf(host: unknown): string {
  if (typeof host !== 'string' || host === '') fail('the request has no Host header');
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return (name ?? '').toLowerCase();
}

function isHttps(req: CookieHandlerRequest): boolean {
  const socket = req.socket as { encrypted?: unknown } | undefined;
  const proto = req.headers['x-forwarded-proto'];
  return (
    socket?.encrypted === true ||
    (typeof proto === 'string' && proto.split(',')[0]?.trim() === 'https')
  );
}

/** The body as JSON: already parsed by Express, given as text or bytes, or read from the stream. */
async function readJson(req: CookieHandlerRequest): Promise<unknown> {
  let body = req.body;
  if (body === undefined) body = await readStream(req);
  // isView, not instanceof: a Buffer from another realm (vm, test runners) is bytes too
  if (typeof body === 'string' || ArrayBuffer.isView(body)) {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    if (new TextEncoder().encode(text).length > MAX_REFRESH_BODY_BYTES) tooLarge();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      fail('body is not JSON');
    }
  }
  return body;
}

function tooLarge(): never {
  fail(`body is larger than ${MAX_REFRESH_BODY_BYTES} bytes`);
}

function readStream(req: CookieHandlerRequest): Promise<Uint8Array> {
  const length = Number(req.headers['content-length']);
  if (length > MAX_REFRESH_BODY_BYTES) tooLarge();
  const on = req.on;
  if (typeof on !== 'function') fail('the request has no body');
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    const settle = (error?: unknown) => {
      if (done) return;
      done = true;
      if (error !== undefined) {
        reject(error);
        return;
      }
      const out = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.length;
      }
      resolve(out);
    };
    on.call(req, 'data', (chunk: Uint8Array | string) => {
      const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      size += bytes.length;
      if (size > MAX_REFRESH_BODY_BYTES) {
        try {
          tooLarge();
        } catch (error) {
          settle(error);
        }
      } else chunks.push(bytes);
    });
    on.call(req, 'end', () => settle());
    on.call(req, 'error', (error: unknown) => settle(error ?? new Error('request error')));
  });
}
