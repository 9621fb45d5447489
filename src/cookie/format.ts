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
const MARKER = 'idsync';
/** The longest value this format produces is 121 characters (test/cookie/format.test.ts). */
export const MAX_COOKIE_VALUE_LENGTH = 128;
const REVISION = /^(0|[1-9]\d{0,15})$/;

/** FNV-1a, 32 bits: catches a hand-edited or cut value; not a signature (anyone can recompute it). */
export function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

function isRevision(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** The checks of a state to be written or posted; returns a copy with only the four fields. */
export function validateCookieState(value: unknown, fail: Fail): IdentityCookieState {
  if (!isPlainObject(value)) fail('cookie state must be an object');
  const { deviceId, mpid, isLoggedIn, revision } = value;
  if (!isDeviceId(deviceId)) fail('deviceId must be 1 to 64 characters of A-Z a-z 0-9 _ -');
  if (mpid !== null && !isMpid(mpid)) fail('mpid must be null or a decimal 64-bit integer');
  if (typeof isLoggedIn !== 'boolean') fail('isLoggedIn must be a boolean');
  if (isLoggedIn && mpid === null) fail('isLoggedIn needs an mpid');
  if (!isRevision(revision)) fail('revision must be a non-negative safe integer');
  return { deviceId, mpid, isLoggedIn, revision };
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

export function encodeCookieValue(state: IdentityCookieState, fail: Fail): string {
  const { deviceId, mpid, isLoggedIn, revision } = validateCookieState(state, fail);
  const body = [MARKER, COOKIE_FORMAT_VERSION, deviceId, mpid ?? '', +isLoggedIn, revision].join(
    '.',
  );
  return `${body}.${checksum(body)}`;
}

/** Strict: never throws, never returns a state that the encoder would not have written. */
export function decodeCookieValue(value: string): CookieDecodeResult {
  const bad = (reason: CookieInvalidReason): CookieDecodeResult => ({ ok: false, reason });
  if (value.length > MAX_COOKIE_VALUE_LENGTH) return bad('oversized');
  const parts = value.split('.');
  if (parts[0] !== MARKER) return bad('foreign');
  if (parts[1] !== String(COOKIE_FORMAT_VERSION)) {
    return bad(/^\d+$/.test(parts[1] ?? '') ? 'version' : 'malformed');
  }
  if (parts.length !== 7) return bad('malformed');
  const [, , deviceId, mpid, flag, revision, sum] = parts as [string, ...string[]] & string[];
  if (checksum(parts.slice(0, 6).join('.')) !== sum) return bad('checksum');
  const state = {
    deviceId,
    mpid: mpid === '' ? null : mpid,
    isLoggedIn: flag === '1',
    revision: Number(revision),
  };
  if (
    !isDeviceId(deviceId) ||
    (state.mpid !== null && !isMpid(state.mpid)) ||
    (flag !== '1' && flag !== '0') ||
    (state.isLoggedIn && state.mpid === null) ||
    !REVISION.test(revision ?? '') ||
    !isRevision(state.revision)
  ) {
    return bad('malformed');
  }
  return { ok: true, state: state as IdentityCookieState };
}

/**
 * The identity cookie named `name` in a `document.cookie` string or a Cookie
 * request header; null when there is none. A browser may hold two under one
 * name (a host-only one and a domain one, say, after a change of `domain`):
 * the valid one with the highest revision wins; when none is valid, the first
 * one's reason is given.
 */
export function findIdentityCookie(cookies: string, name: string): CookieDecodeResult | null {
  let found: CookieDecodeResult | null = null;
  for (const pair of cookies.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    // RFC 6265 allows a quoted value; some frameworks percent-encode.
    if (value.length > 1 && value[0] === '"' && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        // left as it is: it then decodes as foreign or malformed
      }
    }
    const result = decodeCookieValue(value);
    if (
      found === null ||
      (result.ok && (!found.ok || result.state.revision > found.state.revision))
    ) {
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
  if (stored === null || cookie.revision > stored.revision) return true;
  return (
    cookie.revision === stored.revision &&
    (cookie.deviceId !== stored.deviceId ||
      cookie.mpid !== stored.mpid ||
      cookie.isLoggedIn !== stored.isLoggedIn)
  );
}

/** The revision of the next commit: above both what is stored and what the cookie last showed. */
export function nextRevision(stored: number, cookieSeen = 0): number {
  return Math.min(Math.max(stored, cookieSeen) + 1, Number.MAX_SAFE_INTEGER);
}
