// `idsync-web/server`: the identity cookie on the site's own Node server.
// Node only; it shares the cookie format with the browser code (src/cookie/).
export { parseIdentityCookie } from './parse-cookie';
export { identityCookieHandler, MAX_REFRESH_BODY_BYTES } from './cookie-handler';
export type { CookieHandlerRequest, CookieHandlerResponse } from './cookie-handler';
export type { CookieRefreshBody, IdentityCookieState } from '../cookie/format';
export type { CookieOptions } from '../cookie/options';
