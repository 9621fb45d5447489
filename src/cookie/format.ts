import { isMpid } from '../validation/mpid';
import { isPlainObject, safeKeys, type Fail } from '../validation/plain';
import { isDeviceId } from './device-id';

/**
 * The identity cookie's value (docs: README "Subdomains, Safari and
 * server-side rendering"): who this device is and who its current user is,
 * nothing personal. The browser module and the Node entry share this one
 * encoder and decoder, so a value one of them writes is exactly what the
 * other accepts.
 *
 *   idsync.1.<deviceId>.<mpid or empty>.<0|1 logged in>.<revision>.<checksum>
 *
 * Only characters that encodeURIComponent leaves alone, so frameworks that
 * percent-encode cookie values (Express, Next.js) pass it through unchanged.
 */
export interface IdentityCookieState {
  deviceId: string;
  /** the current user's MPID, or null before the first identity call */
  mpid: string | null;
  isLoggedIn: boolean;
  /**
   * Bumped by the client with every commit that changes the device id or the
   * current user (MPID or logged-in flag); the higher revision is the newer
   * state, across sibling subdomains and against IndexedDB.
   */
  revision: number;
}

/** The JSON body the client POSTs to `refreshUrl`, and `identityCookieHandler` accepts. */
export interface CookieRefreshBody extends IdentityCookieState {
  /** the Domain the page wrote the cookie with (null: host-only), so the server-set cookie replaces it */
  domain: string | null;
}

/** Why a value is not adopted; the client warns once with it. */
export type CookieInvalidReason =
  | 'oversized' // longer than any value this format can produce
  | 'foreign' // not written by idsync-web (another app or format under the same name)
  | 'version' // an idsync-web value of another format version
  | 'malformed' // truncated, or a field out of its rules
  | 'checksum'; // edited by hand or damaged on the way

export type CookieDecodeResult =
  { ok: true; state: IdentityCookieState } | { ok: false; reason: CookieInvalidReason };

export const COOKIE_FORMAT_VERSION = 1;
/** The longest value this format produces is 121 characters (test/cookie/format.test.ts). */
export const MAX_COOKIE_VALUE_LENGTH = 128;
/** One pattern for the whole value: marker, version, device id, MPID, flag, revision, checksum. */
const VALUE = /^idsync\.1\.([\w-]{1,64})\.(-?\d{1,20}|)\.([01])\.(0|[1-9]\d{0,15})\.[\da-z]{1,7}$/;

/** FNV-1a, 32 bits: catches a hand-edited or cut value; not a signature (anyone can recompute it). */
export function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** The checks of a posted state, field by field; returns a copy with only the four fields. */
export function validateCookieState(value: unknown, fail: Fail): IdentityCookieState {
  if (!isPlainObject(value)) fail('cookie state must be an object');
  const { deviceId, mpid, isLoggedIn, revision } = value;
  if (!isDeviceId(deviceId)) fail('deviceId must be 1 to 64 characters of A-Z a-z 0-9 _ -');
  if (mpid !== null && !isMpid(mpid)) fail('mpid must be null or a decimal 64-bit integer');
  if (typeof isLoggedIn !== 'boolean') fail('isLoggedIn must be a boolean');
  if (isLoggedIn && mpid === null) fail('isLoggedIn needs an mpid');
  if (!Number.isSafeInteger(revision) || (revision as number) < 0) {
    fail('revision must be a non-negative safe integer');
  }
  return { deviceId, mpid, isLoggedIn, revision: revision as number };
}

/** Rejects keys a state does not have (a posted body, say), then validates it. */
export function validateExactCookieState(value: unknown, fail: Fail): IdentityCookieState {
  if (isPlainObject(value)) {
    for (const key of safeKeys(value, 'cookie state', fail)) {
      if (!['deviceId', 'mpid', 'isLoggedIn', 'revision'].includes(key)) {
        fail(`${key}: unknown field`);
      }
    }
  }
  return validateCookieState(value, fail);
}

/**
 * The cookie value of a state. The decoder is the one judge of what is
 * valid: a state it would refuse is not encoded (IdentityError from `fail`).
 */
export function encodeCookieValue(state: IdentityCookieState, fail: Fail): string {
  const { deviceId, mpid, isLoggedIn, revision } = state;
  const body = `idsync.1.${deviceId}.${mpid ?? ''}.${+isLoggedIn}.${revision}`;
  const value = `${body}.${checksum(body)}`;
  if (!decodeCookieValue(value).ok) fail('the cookie state is invalid');
  return value;
}

/** Strict: never throws, never returns a state that the encoder would not have written. */
export function decodeCookieValue(value: string): CookieDecodeResult {
  const bad = (reason: CookieInvalidReason): CookieDecodeResult => ({ ok: false, reason });
  if (value.length > MAX_COOKIE_VALUE_LENGTH) return bad('oversized');
  if (!value.startsWith('idsync.')) return bad('foreign');
  if (/^idsync\.\d+(\.|$)/.test(value) && !value.startsWith('idsync.1.')) return bad('version');
  const [, deviceId = '', mpid = '', flag, revision] = VALUE.exec(value) ?? [];
  const state = { deviceId, mpid: mpid || null, isLoggedIn: flag === '1', revision: +revision! };
  if (
    flag === undefined ||
    (mpid && !isMpid(mpid)) ||
    (state.isLoggedIn && !mpid) ||
    !Number.isSafeInteger(state.revision)
  ) {
    return bad('malformed');
  }
  return value.endsWith(`.${checksum(value.slice(0, value.lastIndexOf('.')))}`)
    ? { ok: true, state }
    : bad('checksum');
}

/**
 * The identity cookie named `name` in a `document.cookie` string or a Cookie
 * request header; null when there is none. A browser may hold two under one
 * name (a host-only one and a domain one, say, after a change of `domain`):
 * the valid one with the highest revision wins; when none is valid, the first
 * one's reason is given. `unwrap` undoes what a server framework may have
 * done to the value (the page reads it as written).
 */
export function findIdentityCookie(
  cookies: string,
  name: string,
  unwrap = (value: string) => value,
): CookieDecodeResult | null {
  let found: CookieDecodeResult | null = null;
  for (const pair of cookies.split(';')) {
    const [key, ...value] = pair.split('=');
    if (key!.trim() !== name || !value.length) continue;
    const result = decodeCookieValue(unwrap(value.join('=').trim()));
    if (!found || (result.ok && (!found.ok || result.state.revision > found.state.revision))) {
      found = result;
    }
  }
  return found;
}

/**
 * Start-up and sibling rule: adopt the cookie's state when its revision is
 * higher than the stored one, or equal but naming another device or user (two
 * siblings that wrote the same revision: the cookie is the last writer, and
 * every sibling then agrees on it). Nothing stored: adopt.
 */
export function isCookieNewer(
  cookie: IdentityCookieState,
  stored: IdentityCookieState | null,
): boolean {
  const who = (s: IdentityCookieState) => [s.deviceId, s.mpid, s.isLoggedIn].join();
  return (
    !stored ||
    cookie.revision > stored.revision ||
    (cookie.revision === stored.revision && who(cookie) !== who(stored))
  );
}

/**
 * The revision of the next commit: above both what is stored and what the
 * cookie last showed. (2^53 commits away from the encoder's limit.)
 */
export function nextRevision(stored: number, cookieSeen = 0): number {
  return Math.max(stored, cookieSeen) + 1;
}
