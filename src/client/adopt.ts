import type { IdentityCookieState } from '../cookie/format';
import type { StoreChange, StoredState, UserRecord } from '../store/client-store';
import type { Identities, IdentityBootstrap } from '../types';
import { randomUuid } from '../uuid';

/**
 * Taking a device and a current user from elsewhere: the identity cookie (a
 * sibling subdomain, or IndexedDB wiped under the page) or `bootstrap` (the
 * server). Sends nothing: the state is committed as it comes. Loaded only
 * with the cookie option or bootstrap (a dynamic import: the core stays as
 * small as without them).
 */

/** A state to adopt: the cookie's fields, and identities when the server gave some. */
export interface AdoptedState extends IdentityCookieState {
  identities?: Identities;
}

/** What a change is computed from: the device and the users held now. */
export interface HeldState {
  readonly deviceId: string | null;
  readonly currentMpid: string | null;
  record(mpid: string): UserRecord | undefined;
}

/**
 * Device id, current MPID and logged-in flag in one comparable string: what
 * the identity revision and the cookie are about.
 */
export const whoOf = (deviceId: string, mpid: string | null, isLoggedIn: boolean): string =>
  `${deviceId} ${mpid} ${isLoggedIn}`;

/** whoOf of a cookie-shaped state. */
export const who = (s: IdentityCookieState): string => whoOf(s.deviceId, s.mpid, s.isLoggedIn);

/** The stored device and current user, as the cookie would say them; null when no device is stored. */
export function storedIdentity(stored: StoredState): IdentityCookieState | null {
  if (stored.deviceId === null) return null;
  const current = stored.users.find((user) => user.mpid === stored.currentMpid);
  return {
    deviceId: stored.deviceId,
    mpid: current === undefined ? null : current.mpid,
    isLoggedIn: current?.isLoggedIn === true,
    revision: stored.identityRevision,
  };
}

export function heldOf(stored: StoredState): HeldState {
  const users = new Map(stored.users.map((user) => [user.mpid, user]));
  return {
    deviceId: stored.deviceId,
    currentMpid: stored.currentMpid,
    record: (m) => users.get(m),
  };
}

/**
 * The one commit that makes `next` this device's state. A user seen only
 * here gets an empty record (its MPID and logged-in flag; identities when the
 * server named them); a known one keeps its record. The user it replaces
 * gets its lastSeen, as on any change of user. Not a change of user made
 * here: no copy of attributes or consent, no `onUserAlias`.
 *
 * The device id never changes but by a reset (client-store.ts): a state of
 * another device than the one stored is adopted as a reset to that device
 * (this device's users forgotten, as `reset({ deviceId: true })` forgets
 * them), then its user, in the same transaction. An empty store just takes
 * the device id.
 */
export function adoptionChange(next: AdoptedState, held: HeldState, now: number): StoreChange {
  const change: StoreChange = { identityRevision: next.revision, deviceId: next.deviceId };
  if (held.deviceId !== null && held.deviceId !== next.deviceId) {
    change.reset = true;
    held = { deviceId: next.deviceId, currentMpid: null, record: () => undefined };
  }
  const put: UserRecord[] = [];
  const { mpid } = next;
  const userChanged = mpid !== held.currentMpid;
  if (userChanged) {
    const previous = held.currentMpid === null ? undefined : held.record(held.currentMpid);
    if (previous !== undefined) put.push({ ...previous, lastSeen: now });
    change.currentMpid = mpid;
  }
  if (mpid !== null) {
    const base: UserRecord = held.record(mpid) ?? {
      mpid,
      identities: {},
      attributes: {},
      consent: {},
      isLoggedIn: false,
      firstSeen: now,
      lastSeen: now,
    };
    put.push({
      ...base,
      identities: { ...base.identities, ...next.identities },
      isLoggedIn: next.isLoggedIn,
      lastSeen: userChanged ? now : base.lastSeen,
    });
  }
  if (put.length > 0) change.put = put;
  return change;
}

/**
 * Start-up order: `bootstrap` wins for what it names, over the newer of
 * IndexedDB and the cookie (`fromCookie`: the cookie's state when it is the
 * newer one, chosen by the cookie code); otherwise that newer state. null:
 * nothing to adopt, IndexedDB stands. `cookieRevision` is the highest the
 * cookie showed, so that a state from the server outranks it.
 */
export function planStart(
  local: IdentityCookieState | null,
  fromCookie: IdentityCookieState | null,
  bootstrap: IdentityBootstrap | null,
  cookieRevision: number,
): AdoptedState | null {
  if (bootstrap === null) return fromCookie;
  const base = fromCookie ?? local;
  const next: AdoptedState = {
    deviceId: bootstrap.deviceId ?? base?.deviceId ?? randomUuid(),
    mpid: base?.mpid ?? null,
    isLoggedIn: base?.isLoggedIn ?? false,
    revision: 0,
  };
  if (bootstrap.mpid !== undefined) {
    // isLoggedIn without an MPID names nobody: it changes nothing here.
    next.isLoggedIn = bootstrap.isLoggedIn ?? (next.mpid === bootstrap.mpid && next.isLoggedIn);
    next.mpid = bootstrap.mpid;
    if (bootstrap.userIdentities !== undefined) next.identities = bootstrap.userIdentities;
  }
  if (local !== null && who(next) === who(local)) {
    return next.identities === undefined ? null : { ...next, revision: local.revision };
  }
  if (fromCookie !== null && who(next) === who(fromCookie)) {
    return { ...next, revision: fromCookie.revision };
  }
  // Above both (as the cookie's nextRevision does), without loading the cookie's format code.
  return { ...next, revision: Math.max(local?.revision ?? 0, cookieRevision) + 1 };
}
