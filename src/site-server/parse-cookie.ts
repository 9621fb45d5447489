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
  const result = findIdentityCookie(cookieHeader, name);
  return result !== null && result.ok ? result.state : null;
}
