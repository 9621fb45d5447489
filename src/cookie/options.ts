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

/**
 * Each option's rule and how an error states it. One table, because this
 * ships in the lazily loaded chunk (every byte counts there). Names: a
 * conservative subset of RFC 6265's token, without the __Host- / __Secure-
 * prefixes (a __Host- cookie cannot be shared by subdomains, the point of
 * this one). Domains: syntax only; whether one covers the host is checked
 * against the page or the request.
 */
const RULES: Record<string, [(value: unknown) => boolean, string]> = {
  __proto__: null as never,
  domain: [
    (v) =>
      v === 'auto' || (typeof v === 'string' && /^\.?[a-z\d]([a-z\d.-]{0,251}[a-z\d])?$/i.test(v)),
    '"auto" or a domain name',
  ],
  name: [
    (v) => typeof v === 'string' && /^(?!__)[\w.~-]{1,64}$/.test(v),
    '1 to 64 of A-Z a-z 0-9 _ . ~ -, not __',
  ],
  maxAgeDays: [(v) => typeof v === 'number' && v > 0 && v <= 400, 'a number of days, at most 400'],
  sameSite: [(v) => v === 'Lax' || v === 'Strict' || v === 'None', '"Lax", "Strict" or "None"'],
  secure: [(v) => typeof v === 'boolean', 'a boolean'],
  refreshUrl: [(v) => typeof v === 'string' && v !== '', 'a URL'],
};

/** Checks every field of CookieOptions; errors name the field as `cookie.<field>`. */
export function normaliseCookieOptions(value: unknown, fail: Fail): NormalisedCookieOptions {
  if (!isPlainObject(value)) fail('cookie must be false or an object');
  for (const key of safeKeys(value, 'cookie', fail)) {
    const rule = RULES[key];
    if (!rule) fail(`cookie.${key}: unknown option`);
    if (value[key] !== undefined && !rule[0](value[key])) fail(`cookie.${key} must be ${rule[1]}`);
  }
  const { domain = 'auto', name = DEFAULT_COOKIE_NAME, maxAgeDays = DEFAULT_MAX_AGE_DAYS } = value;
  return {
    domain: domain === 'auto' ? null : (domain as string).toLowerCase().replace(/^\./, ''),
    name: name as string,
    maxAgeSeconds: Math.max(1, Math.round((maxAgeDays as number) * 86400)),
    sameSite: (value.sameSite ?? 'Lax') as NormalisedCookieOptions['sameSite'],
    secure: value.secure as boolean | undefined,
    refreshUrl: (value.refreshUrl ?? null) as string | null,
  };
}

/**
 * Browsers drop a SameSite=None cookie without Secure, silently: an option
 * error instead. Run once `secure` is decided (by the option, the page or the
 * request).
 */
export function checkSecureRules(
  options: NormalisedCookieOptions,
  secure: boolean | undefined,
  fail: Fail,
): void {
  if (secure === false && options.sameSite === 'None') {
    fail('cookie.secure must be true with SameSite=None');
  }
}

/** The Set-Cookie / document.cookie string; `value: ''` with maxAge 0 deletes. */
export function cookieString(
  options: NormalisedCookieOptions,
  value: string,
  domain: string | null,
  secure: boolean,
  maxAgeSeconds = options.maxAgeSeconds,
  name = options.name,
): string {
  return (
    `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; SameSite=${options.sameSite}` +
    (domain ? `; Domain=${domain}` : '') +
    (secure ? '; Secure' : '')
  );
}
