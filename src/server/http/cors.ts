/**
 * Which web pages may call the server (CORS), and Chrome's Private Network
 * Access grant. Only origins on the allow-list get CORS headers; a request
 * carrying any other Origin is refused outright, since a browser sends some
 * cross-origin POSTs without a preflight and the server must not act on them.
 */
import type { IncomingMessage } from 'node:http';
import { errorAnswer, HttpAnswer } from './answer';

/** `loopback` in an allow-list stands for every page served from this machine. */
export const LOOPBACK = 'loopback';
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export interface OriginPolicy {
  /** true when the request has no Origin (not a browser page) or an allowed one */
  allows(req: IncomingMessage): boolean;
  /** headers for an answer to an allowed page; none otherwise */
  headers(req: IncomingMessage): Record<string, string>;
  /** the answer to an OPTIONS preflight */
  preflight(req: IncomingMessage): HttpAnswer;
}

/**
 * An origin as the allow-list keeps it: `scheme://host[:port]` in lower case,
 * `null` (file:// pages, sandboxed frames) or `loopback`. Throws on anything else.
 */
export function normaliseOrigin(text: string): string {
  if (text === 'null' || text === LOOPBACK) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `--allow-origin ${JSON.stringify(text)} is not an origin (scheme://host[:port])`,
    );
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== text.toLowerCase()
  ) {
    throw new Error(
      `--allow-origin ${JSON.stringify(text)} must be http(s)://host[:port], no path`,
    );
  }
  return url.origin;
}

export function originPolicy(allowList: readonly string[] = [LOOPBACK]): OriginPolicy {
  const exact = new Set(allowList.map(normaliseOrigin));
  const loopback = exact.has(LOOPBACK);
  const allowed = (origin: string) =>
    exact.has(origin) || (loopback && LOOPBACK_ORIGIN.test(origin.toLowerCase()));
  const originOf = (req: IncomingMessage) => req.headers.origin;

  return {
    allows(req) {
      const origin = originOf(req);
      return origin === undefined || allowed(origin);
    },
    headers(req): Record<string, string> {
      const origin = originOf(req);
      if (origin === undefined || !allowed(origin)) return {};
      return {
        'Access-Control-Allow-Origin': origin,
        // Retry-After is not a CORS-safelisted response header: without this a
        // browser client could not see how long a 429 asks it to wait.
        'Access-Control-Expose-Headers': 'Retry-After',
        Vary: 'Origin',
      };
    },
    preflight(req) {
      const origin = originOf(req);
      if (origin === undefined || !allowed(origin)) {
        return errorAnswer(403, 'forbidden_origin', 'This origin may not call this server');
      }
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
    },
  };
}
