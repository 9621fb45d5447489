// The browser side of the identity cookie: loaded by the client with a
// dynamic import, only when the `cookie` option is set.
export { openIdentityCookie } from './browser-cookie';
export type { CookieDocument, CookiePage, IdentityCookie } from './browser-cookie';
export { isCookieNewer, nextRevision } from './format';
export type {
  CookieDecodeResult,
  CookieInvalidReason,
  CookieRefreshBody,
  IdentityCookieState,
} from './format';
export type { CookieOptions } from './options';
