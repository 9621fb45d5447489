import { IdentityError } from '../errors';
import { failWith, type Fail } from '../validation/plain';
import { domainCovers, isHostOnlyHost } from './domain';
import {
  encodeCookieValue,
  findIdentityCookie,
  type CookieDecodeResult,
  type CookieRefreshBody,
  type IdentityCookieState,
} from './format';
import { checkSecureRules, cookieString, normaliseCookieOptions } from './options';

/** What the cookie code needs of `document`: a seam so that tests can hand in a fake jar. */
export interface CookieDocument {
  cookie: string;
}

/** What it needs of `location`. */
export interface CookiePage {
  readonly hostname: string;
  readonly protocol: string;
  readonly href: string;
}

/** The identity cookie of one page, its options checked; its domain found once, when first needed. */
export interface IdentityCookie {
  readonly name: string;
  /**
   * The Domain attribute used; null = host-only. With domain 'auto' it is
   * found (by probing) the first time it is read: a write, a clear or a
   * refresh, never a mere read of the cookie.
   */
  readonly domain: string | null;
  readonly secure: boolean;
  /** absolute; null when no refreshUrl is set */
  readonly refreshUrl: string | null;
  /** null when there is no cookie; otherwise the state, or why it cannot be used */
  read(): CookieDecodeResult | null;
  /** Writes the state; false when the browser did not keep it (cookies blocked, Secure on http...). */
  write(state: IdentityCookieState): boolean;
  /** Deletes the cookie, the host-only one as well as the domain one. */
  clear(): void;
  /**
   * POSTs the state and the domain to refreshUrl (keepalive, so a page being
   * left still sends it). Rejects with IdentityError 'server' (with the
   * status) or fetch's own error, for the caller to log; resolves at once
   * when no refreshUrl is set.
   */
  refresh(state: IdentityCookieState): Promise<void>;
}

const fail: Fail = failWith('validation');

/**
 * Checks `options` (IdentityError 'validation' naming the field) and returns
 * the page's identity cookie. With domain 'auto' the domain is found on first
 * need, by writing and deleting a short-lived probe cookie per candidate
 * domain, once for the page: a start-up that finds the cookie in step writes
 * nothing. (At once only when refreshUrl is on another host of the site,
 * which the domain must cover.)
 */
export function openIdentityCookie(
  options: unknown,
  doc: CookieDocument = document,
  page: CookiePage = location,
  send: typeof fetch = (...args) => fetch(...args),
): IdentityCookie {
  const normalised = normaliseCookieOptions(options, fail);
  const { name, refreshUrl } = normalised;
  const secure = normalised.secure ?? page.protocol === 'https:';
  checkSecureRules(normalised, secure, fail);
  const hostname = page.hostname.toLowerCase();
  const set = (value: string, d: string | null, maxAge?: number, cookieName = name) => {
    doc.cookie = cookieString(normalised, value, d, secure, maxAge, cookieName);
  };
  const has = (pair: string) => `; ${doc.cookie};`.includes(`; ${pair};`);
  let domain: string | null | undefined = normalised.domain ?? undefined;
  if (domain && !domainCovers(domain, hostname)) {
    fail(`cookie.domain "${domain}" does not cover this page's host "${hostname}"`);
  }
  if (isHostOnlyHost(hostname)) domain = null;
  /** The Domain attribute, probed for the first time it is needed (undefined: not yet). */
  const found = (): string | null =>
    domain === undefined ? (domain = probeDomain(hostname, `${name}.probe`, set, has)) : domain;
  // This host and its subdomains take the cookie whatever its domain: only a
  // refreshUrl elsewhere on the site needs the domain now.
  const url = refreshUrl && siteUrl(refreshUrl, page, hostname, found);
  return {
    name,
    get domain() {
      return found();
    },
    secure,
    refreshUrl: url,
    read: () => findIdentityCookie(doc.cookie, name),
    write(state) {
      const value = encodeCookieValue(state, fail);
      set(value, found());
      return has(`${name}=${value}`);
    },
    clear() {
      set('', found(), 0);
      if (domain) set('', null, 0);
    },
    async refresh(state) {
      if (!url) return;
      encodeCookieValue(state, fail);
      const body: CookieRefreshBody = { ...state, domain: found() };
      const { ok, status } = await send(url, {
        method: 'POST',
        keepalive: true,
        // a refreshUrl on a sibling origin (with CORS) must see and set the cookie too
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!ok) throw new IdentityError('server', `cookie refresh: ${status}`, { httpCode: status });
    },
  };
}

/**
 * refreshUrl, absolute; the cookie must be sent to it, so it is on this host
 * (or below it), or else on the cookie's domain (`domain()`: found then).
 */
function siteUrl(
  refreshUrl: string,
  page: CookiePage,
  hostname: string,
  domain: () => string | null,
): string {
  let url: URL | undefined;
  try {
    url = new URL(refreshUrl, page.href);
  } catch {
    // reported below
  }
  if (
    url &&
    /^https?:$/.test(url.protocol) &&
    (domainCovers(hostname, url.hostname) || domainCovers(domain() ?? hostname, url.hostname))
  ) {
    return url.href;
  }
  fail(`cookie.refreshUrl must be an http(s) URL of this site`);
}

/**
 * The shortest suffix of the host that takes a cookie (a public suffix does
 * not; a top-level domain is never tried), or null (host-only) when none does.
 */
function probeDomain(
  hostname: string,
  probe: string,
  set: (value: string, domain: string | null, maxAge: number, cookieName: string) => void,
  has: (pair: string) => boolean,
): string | null {
  const value = Math.random().toString(36).slice(2);
  const labels = hostname.split('.');
  for (let n = 2; n <= labels.length; n++) {
    const domain = labels.slice(-n).join('.');
    // Short-lived, in case the page is closed between the write and the delete.
    set(value, domain, 10, probe);
    if (has(`${probe}=${value}`)) {
      set('', domain, 0, probe);
      return domain;
    }
  }
  return null;
}
