import { isPlainObject, safeKeys, type Fail } from '../validation/plain';

/** The `cookie` option of createIdentity, and the options of the Node handler. */
export interface CookieOptions {
  /** 'auto' (default): the registrable domain, found as the browser allows it; host-only on localhost and IP addresses */
  domain?: 'auto' | string;
  /** default 'idsync' */
  name?: string;
  /** default 395 (13 months); at most 400, the longest lifetime browsers keep a cookie */
  maxAgeDays?: number;
  /** default 'Lax' */
  sameSite?: 'Lax' | 'Strict' | 'None';
  /** default: true on https pages (on the server: on requests that came over https) */
  secure?: boolean;
  /** same-site URL the client POSTs the cookie state to after each change of device or current user */
  refreshUrl?: string;
}

/** Options checked and completed once; `secure: undefined` = decided by the page or request. */
export interface NormalisedCookieOptions {
  /** null: 'auto' */
  domain: string | null;
  name: string;
  maxAgeSeconds: number;
  sameSite: 'Lax' | 'Strict' | 'None';
  secure: boolean | undefined;
  refreshUrl: string | null;
}

export const DEFAULT_COOKIE_NAME = 'idsync';
export const DEFAULT_MAX_AGE_DAYS = 395;
const MAX_AGE_DAYS_LIMIT = 400;
const KEYS = ['domain', 'name', 'maxAgeDays', 'sameSite', 'secure', 'refreshUrl'];
/** A conservative subset of RFC 6265's token: also valid as a __Host- / __Secure- name. */
const NAME = /^[\w.~-]{1,64}$/;
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** Checks every field of CookieOptions; errors name the field as `cookie.<field>`. */
export function normaliseCookieOptions(value: unknown, fail: Fail): NormalisedCookieOptions {
  if (!isPlainObject(value)) fail('cookie must be false or an object of cookie options');
  for (const key of safeKeys(value, 'cookie', fail)) {
    if (!KEYS.includes(key)) fail(`cookie.${key}: unknown option`);
  }
  const { domain = 'auto', name = DEFAULT_COOKIE_NAME, maxAgeDays = DEFAULT_MAX_AGE_DAYS } = value;
  const { sameSite = 'Lax', secure, refreshUrl } = value;
  if (typeof domain !== 'string') fail('cookie.domain must be "auto" or a domain name');
  const explicit = domain === 'auto' ? null : domain.toLowerCase().replace(/^\./, '');
  if (explicit !== null && (explicit.length > 253 || !DOMAIN.test(explicit))) {
    fail(`cookie.domain "${domain}" is not a domain name`);
  }
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail('cookie.name must be 1 to 64 characters of A-Z a-z 0-9 _ . ~ -');
  }
  if (
    typeof maxAgeDays !== 'number' ||
    !(maxAgeDays > 0 && maxAgeDays <= MAX_AGE_DAYS_LIMIT) ||
    Math.round(maxAgeDays * 86400) < 1
  ) {
    fail(`cookie.maxAgeDays must be a number above 0 and at most ${MAX_AGE_DAYS_LIMIT}`);
  }
  if (sameSite !== 'Lax' && sameSite !== 'Strict' && sameSite !== 'None') {
    fail('cookie.sameSite must be "Lax", "Strict" or "None"');
  }
  if (secure !== undefined && typeof secure !== 'boolean') fail('cookie.secure must be a boolean');
  if (refreshUrl !== undefined && (typeof refreshUrl !== 'string' || refreshUrl === '')) {
    fail('cookie.refreshUrl must be a non-empty URL');
  }
  const options: NormalisedCookieOptions = {
    domain: explicit,
    name,
    maxAgeSeconds: Math.round(maxAgeDays * 86400),
    sameSite,
    secure,
    refreshUrl: refreshUrl ?? null,
  };
  checkSecureRules(options, secure, fail);
  return options;
}

/**
 * Browsers silently drop a cookie that breaks these rules, so they are option
 * errors: SameSite=None and the __Secure- / __Host- name prefixes need Secure,
 * and a __Host- cookie is host-only. Run again once `secure` is decided.
 */
export function checkSecureRules(
  options: NormalisedCookieOptions,
  secure: boolean | undefined,
  fail: Fail,
): void {
  const { name, sameSite, domain } = options;
  if (secure === false && sameSite === 'None') fail('cookie.sameSite "None" needs cookie.secure');
  if (secure === false && /^__(Secure|Host)-/.test(name)) {
    fail(`cookie.name "${name}" needs cookie.secure`);
  }
  if (domain !== null && name.startsWith('__Host-')) {
    fail(`cookie.name "${name}" is host-only: cookie.domain must be "auto"`);
  }
}

/** The Set-Cookie / document.cookie string; `value: ''` with maxAge 0 deletes. */
export function cookieString(
  options: NormalisedCookieOptions,
  value: string,
  domain: string | null,
  secure: boolean,
  maxAgeSeconds = options.maxAgeSeconds,
): string {
  return (
    `${options.name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; SameSite=${options.sameSite}` +
    (domain === null ? '' : `; Domain=${domain}`) +
    (secure ? '; Secure' : '')
  );
}
