import {
  isCookieNewer,
  nextRevision,
  openIdentityCookie,
  type IdentityCookie,
  type IdentityCookieState,
} from '../cookie';
import { normaliseCookieOptions } from '../cookie/options';
import type { Logger } from '../types';
import { failWith } from '../validation/plain';
import { adoptionChange, who as whoOfCookie, whoOf } from './adopt';
import type { CommittedIdentity, Committer, RevisionRule } from './committer';
import type { Listeners } from './listeners';
import type { UserCache } from './user-cache';

/**
 * The identity cookie's side of the client (loaded with a dynamic import,
 * only when the `cookie` option is set): it keeps the cookie in step with
 * what the committer commits, and adopts what sibling subdomains wrote
 * there. Docs: README "Subdomains, Safari and server-side rendering".
 *
 * It writes nothing while the store is not persistent by choice (storage:
 * 'memory', say before consent), not even the domain probe; the first commit
 * after which the store is persistent writes the cookie.
 */
export interface CookieMirror {
  /**
   * Start-up: the cookie's state when it is to be adopted over `local` (the
   * stored state; null when no device is stored), else null. A bad or
   * outdated cookie is ignored with one warning.
   */
  adoptable(local: IdentityCookieState | null): IdentityCookieState | null;
  /** the highest revision a valid cookie showed (0: none) */
  readonly seen: number;
  /** After start-up: follows the committer, and adopts siblings' changes on focus or visibility. */
  attach(parts: MirrorParts): void;
  /** Before an identity call: adopts a sibling's change (a 'sync' event); null when there is none. */
  check(): Promise<void> | null;
  close(): void;
}

export interface MirrorParts {
  committer: Committer;
  cache: UserCache;
  events: Listeners;
  now(): number;
}

/** whoOf of a committed identity. */
const whoOfIdentity = (s: CommittedIdentity) => whoOf(s.deviceId, s.currentMpid, s.isLoggedIn);

/**
 * Checks the options (IdentityError 'validation' naming the field). With a
 * persistent store it opens the cookie at once (domain probe included);
 * otherwise on the first commit after which the store is persistent.
 *
 * One factory of small closures rather than separate functions, longer than
 * usual: they share the revision seen, the warnings given and the last value
 * written, and the chunk stays small.
 */
export function createCookieMirror(
  options: unknown,
  persistent: boolean,
  logger: Logger,
): CookieMirror {
  // The page-dependent checks (secure, domain) run when the cookie is opened.
  normaliseCookieOptions(options, failWith('validation'));
  let cookie: IdentityCookie | null = null;
  const open = (): IdentityCookie => (cookie ??= openIdentityCookie(options));
  if (persistent) open();

  let seen = 0;
  let wasPersistent = persistent;
  let refreshFailing = false;
  let lastWritten: IdentityCookieState | null = null;
  let parts: MirrorParts | null = null;
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn(`[idsync] ${message}`);
  };

  /** The cookie's state when valid; a bad one is warned about once per value. */
  const readValid = (): IdentityCookieState | null => {
    const result = cookie?.read() ?? null;
    if (result === null) return null;
    if (!result.ok) {
      warnOnce(
        `${result.reason} ${rawValues(cookie!.name)}`,
        `ignoring the identity cookie "${cookie!.name}" (${result.reason}); IndexedDB stands`,
      );
      return null;
    }
    seen = Math.max(seen, result.state.revision);
    return result.state;
  };

  /** The cookie's state to adopt over `local`; an older one naming someone else is outdated. */
  const newer = (local: IdentityCookieState | null): IdentityCookieState | null => {
    const state = readValid();
    if (state === null || (local !== null && whoOfCookie(state) === whoOfCookie(local))) {
      return null; // no cookie, a bad one, or in step
    }
    if (isCookieNewer(state, local)) return state;
    warnOnce(
      `outdated ${state.revision} ${whoOfCookie(state)}`,
      `ignoring the identity cookie "${cookie!.name}": revision ${state.revision} is older than ` +
        `this device's ${local!.revision}`,
    );
    return null;
  };

  const asCookie = (s: CommittedIdentity): IdentityCookieState => ({
    deviceId: s.deviceId,
    mpid: s.currentMpid,
    isLoggedIn: s.isLoggedIn,
    revision: s.revision,
  });

  /** Writes `state` unless the cookie already says it; then refreshes it through the server. */
  const write = (state: IdentityCookieState): void => {
    const target = open();
    const current = readValid();
    if (current !== null && whoOfCookie(current) === whoOfCookie(state)) return;
    const revision = state.revision > seen ? state.revision : nextRevision(state.revision, seen);
    const value = { ...state, revision };
    if (!target.write(value)) {
      warnOnce('refused', `the browser did not keep the identity cookie "${target.name}"`);
      return;
    }
    seen = revision;
    lastWritten = value;
    refresh(target, value);
  };

  /**
   * POSTs to refreshUrl in the background. The first failure is a warning,
   * later ones debug lines until one succeeds. An answer that lands after a
   * newer write (two changes in quick succession) may have set an older
   * cookie: the latest is written again.
   */
  const refresh = (target: IdentityCookie, value: IdentityCookieState): void => {
    target.refresh(value).then(
      () => {
        refreshFailing = false;
        const now = target.read();
        if (lastWritten !== null && now?.ok && now.state.revision < lastWritten.revision) {
          target.write(lastWritten);
        }
      },
      (error: unknown) => {
        if (refreshFailing)
          logger.debug('[idsync] the identity cookie refresh failed again', error);
        else logger.warn('[idsync] the identity cookie refresh failed', error);
        refreshFailing = true;
      },
    );
  };

  /** The commit observer: a change of device or current user (or of persistence) reaches the cookie. */
  const mirror = (after: CommittedIdentity, before: CommittedIdentity): void => {
    if (!after.persistent) return;
    const nowPersistent = !wasPersistent;
    wasPersistent = true;
    if (!nowPersistent && whoOfIdentity(after) === whoOfIdentity(before)) return;
    if (after.currentMpid === null) {
      // No current user (a reset): nothing to share, and siblings must not bring one back.
      open().clear();
      lastWritten = null;
      return;
    }
    write(asCookie(after));
  };

  const adoptSibling = async (): Promise<void> => {
    const { committer, cache, events, now } = parts!;
    const state = newer(asCookie(committer.identity()));
    if (state === null) return;
    const previousMpid = cache.currentMpid;
    const before = cache.currentUser();
    const deviceBefore = committer.deviceId;
    await committer.commit(adoptionChange(state, heldNow(committer, cache), now()));
    const user = cache.currentUser();
    if (user !== before || committer.deviceId !== deviceBefore) {
      const previousUser = previousMpid === null ? null : cache.user(previousMpid);
      events.notify({ type: 'sync', user, previousUser });
    }
  };

  const check = (): Promise<void> | null => {
    if (parts === null || cookie === null || !parts.committer.identity().persistent) return null;
    // A quick look first (no mutex): most calls find the cookie in step.
    if (newer(asCookie(parts.committer.identity())) === null) return null;
    const { committer } = parts;
    return committer.exclusive(adoptSibling);
  };

  const onFocus = (): void => {
    check()?.catch((error: unknown) =>
      logger.warn('[idsync] adopting the identity cookie failed', error),
    );
  };
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') onFocus();
  };

  return {
    adoptable: (local) => (cookie === null ? null : newer(local)),
    get seen() {
      return seen;
    },
    attach(attached) {
      parts = attached;
      const { committer } = attached;
      committer.setRevisionRule(
        revisionRule(attached.cache, () => {
          readValid(); // a sibling may have moved the cookie since it was last read
          return seen;
        }),
      );
      committer.observe(mirror);
      const start = committer.identity();
      // IndexedDB won at start-up (or the cookie is missing): the cookie learns it.
      if (start.persistent && start.currentMpid !== null) write(asCookie(start));
      if (typeof window !== 'undefined' && typeof document !== 'undefined') {
        document.addEventListener('visibilitychange', onVisible);
        window.addEventListener('focus', onFocus);
      }
    },
    check,
    close() {
      parts = null;
      if (typeof window !== 'undefined' && typeof document !== 'undefined') {
        document.removeEventListener('visibilitychange', onVisible);
        window.removeEventListener('focus', onFocus);
      }
    },
  };
}

/**
 * The identity revision's rule: a change that leaves another device, current
 * user or logged-in flag takes a revision above both the one held and the
 * cookie's (`floor`), in the same transaction. A change that names its own
 * revision (an adoption) keeps it.
 */
function revisionRule(cache: UserCache, floor: () => number): RevisionRule {
  return (change, before) => {
    if (change.identityRevision !== undefined) return change;
    // A reset leaves no current user, and maybe a new device id (its `deviceId`).
    const next = change.reset
      ? null
      : change.currentMpid !== undefined
        ? change.currentMpid
        : cache.currentMpid;
    const gone = next === null || change.delete?.includes(next) === true;
    const record = gone
      ? undefined
      : (change.put?.find((r) => r.mpid === next) ?? cache.record(next));
    const after = whoOf(
      change.newDeviceId ?? (change.reset ? change.deviceId : undefined) ?? before.deviceId,
      record === undefined ? null : next,
      record?.isLoggedIn === true,
    );
    if (after === whoOfIdentity(before)) return change;
    return { ...change, identityRevision: nextRevision(before.revision, floor()) };
  };
}

/** The cache and the committed device, as an adoption change is computed from. */
function heldNow(committer: Committer, cache: UserCache) {
  return { deviceId: committer.deviceId, currentMpid: cache.currentMpid, record: cache.record };
}

/** Every value under `name` in document.cookie, as written: one warning per distinct bad value. */
function rawValues(name: string): string {
  return document.cookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .join(' ');
}
