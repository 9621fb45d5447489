/** Which endpoint a request path names. Paths match case-insensitively, trailing slashes ignored. */

export type IdentityCall = 'identify' | 'login' | 'logout';

export type Route =
  | { kind: 'identity'; call: IdentityCall }
  | { kind: 'modify'; mpid: string }
  | { kind: 'alias'; apiKey: string }
  | { kind: 'profiles' }
  | { kind: 'faults' };

/** The route of a path, or `null` when there is no such endpoint (or the path is malformed). */
export function route(pathname: string): Route | null {
  try {
    return match(pathname.replace(/\/+$/, ''));
  } catch {
    return null; // a malformed %-escape
  }
}

function match(path: string): Route | null {
  let m = /^\/v1\/(identify|login|logout)$/i.exec(path);
  if (m) return { kind: 'identity', call: m[1]!.toLowerCase() as IdentityCall };
  m = /^\/v1\/identity\/([^/]+)\/alias$/i.exec(path);
  if (m) return { kind: 'alias', apiKey: decodeURIComponent(m[1]!) };
  m = /^\/v1\/([^/_][^/]*)\/modify$/i.exec(path);
  if (m) return { kind: 'modify', mpid: decodeURIComponent(m[1]!) };
  if (/^\/v1\/_profiles$/i.test(path)) return { kind: 'profiles' };
  if (/^\/v1\/_faults$/i.test(path)) return { kind: 'faults' };
  return null;
}

/** The path for the request log: the alias path's API key is not written to logs. */
export function loggedPath(pathname: string): string {
  return pathname.replace(/^(\/v1\/identity\/)[^/]+/i, '$1***');
}
