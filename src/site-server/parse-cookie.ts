import { findIdentityCookie, type IdentityCookieState } from '../cookie/format';
import { DEFAULT_COOKIE_NAME } from '../cookie/options';

/**
 * The identity cookie of a request, read from its Cookie header
 * (`req.headers.cookie`, or `cookies().toString()` in Next.js), with the same
 * strict decoder as the browser: null when it is missing, or damaged, edited,
 * foreign or of another format version (render the page without bootstrap then).
 */
export function parseIdentityCookie(
  cookieHeader: string | undefined,
  name: string = DEFAULT_COOKIE_NAME,
): IdentityCookieState | null {
  if (typeof cookieHeader !== 'string') return null;
  const result = findIdentityCookie(cookieHeader, name, unwrapCookieValue);
  return result !== null && result.ok ? result.state : null;
}

/**
 * RFC 6265 allows a quoted value, and some frameworks percent-encode values
 * (Next.js `cookies().toString()`, Express `res.cookie`). A broken escape is
 * left as it is: it then decodes as foreign or malformed.
 */
export function unwrapCookieValue(value: string): string {
  const unquoted = /^".*"$/.test(value) ? value.slice(1, -1) : value;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
}
