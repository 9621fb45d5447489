import {
  isCookieNewer,
  nextRevision,
  openIdentityCookie,
  type IdentityCookie,
  type IdentityCookieState,
} from '../cookie';
import { normaliseCookieOptions } from '../cookie/options';
import type { StoreChange } from '../store/client-store';
import type { Logger } from '../types';
import { failWith } from '../validation/plain';
import { adoptionChange, who, whoOf } from './adopt';
import type { Committer } from './committer';
import type { Listeners } from './listeners';
import type { UserCache } from './user-cache';

/**
 * The identity cookie's side of the client (cookie-and-bootstrap.ts loads it
 * only when the `cookie` option is set): it keeps the cookie in step with
 * what the committer commits, and adopts what sibling subdomains wrote
 * there. Docs: README "Subdomains, Safari and server-side rendering".
 *
 * It neither reads nor writes the cookie while the client's state is not
 * persistent by choice (storage: 'memory', say before consent); the switch
 * to persistent (persist()) writes it.
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
  /**
   * After start-up: decorates the committer (see `decorate`) and adopts
   * siblings' changes on focus or visibility.
   */
  attach(parts: MirrorParts): void;
}

export interface MirrorParts {
  committer: Committer;
  cache: UserCache;
  events: Listeners;
  now(): number;
  /** the identity revision the store held once start-up was done */
  revision: number;
}

/**
 * Checks the options (IdentityError 'validation' naming the field). With a
 * persistent store it opens the cookie at once (its domain is found on the
 * first write, not here); otherwise on the switch to persistent.
 *
 * One factory of small closures rather than separate functions, longer than
 * usual: they share the revisions seen, the warnings given and the last value
 * written, and the chunk stays small.
 */
export function createCookieMirror(
  options: unknown,
  persistent: boolean,
  logger: Logger,
): CookieMirror {
  // The page-dependent checks (secure, domain, refreshUrl) run when the cookie is opened.
  normaliseCookieOptions(options, failWith('validation'));
  let cookie: IdentityCookie | null = null;
  const open = (): IdentityCookie => (cookie ??= openIdentityCookie(options));
  if (persistent) open();

  let seen = 0;
  let refreshFailing = false;
  let lastWritten: IdentityCookieState | null = null;
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
    if (state === null || (local !== null && who(state) === who(local))) {
      return null; // no cookie, a bad one, or in step
    }
    if (isCookieNewer(state, local)) return state;
    warnOnce(
      `outdated ${state.revision} ${who(state)}`,
      `ignoring the identity cookie "${cookie!.name}": revision ${state.revision} is older than ` +
        `this device's ${local!.revision}`,
    );
    return null;
  };

  /**
   * Writes `state` unless the cookie already says it (so a start-up in step
   * writes nothing, not even the domain probe); then refreshes it through the
   * server. A revision the cookie already passed is raised above it.
   */
  const write = (state: IdentityCookieState): void => {
    const target = open();
    const current = readValid();
    if (current !== null && who(current) === who(state)) return;
    const value = { ...state, revision: state.revision > seen ? state.revision : seen + 1 };
    if (!target.write(value)) {
      warnOnce('refused', `the browser did not keep the identity cookie "${target.name}"`);
      return;
    }
    seen = value.revision;
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

  /** After a commit of this tab: a change of device or current user reaches the cookie. */
  const mirror = (after: IdentityCookieState, before: IdentityCookieState): void => {
    if (!persistent || who(after) === who(before)) return;
    if (after.mpid === null) {
      // No current user (a reset): nothing to share, and siblings must not bring one back.
      open().clear();
      lastWritten = null;
      return;
    }
    write(after);
  };

  return {
    adoptable: (local) => (cookie === null ? null : newer(local)),
    get seen() {
      return seen;
    },
    attach(parts) {
      const { committer, cache } = parts;
      let revision = parts.revision;
      /** This tab's device and current user, as the cookie would say them. */
      const identity = (): IdentityCookieState => {
        const mpid = cache.currentMpid;
        const isLoggedIn = mpid !== null && cache.record(mpid)?.isLoggedIn === true;
        return { deviceId: committer.deviceId, mpid, isLoggedIn, revision };
      };
      const hooks: MirrorHooks = {
        identity,
        withRevision: revisionRule(cache, () => {
          readValid(); // a sibling may have moved the cookie since it was last read
          return seen;
        }),
        committed(change, before) {
          if (change.identityRevision !== undefined) revision = change.identityRevision;
          mirror(identity(), before);
        },
        nowPersistent() {
          persistent = true;
          open();
          const now = identity();
          if (now.mpid !== null) write(now);
        },
        check: () => (cookie !== null && persistent ? newer(identity()) : null),
        adopted(state) {
          revision = state.revision;
        },
      };
      decorate(parts, hooks, logger);
      // IndexedDB won at start-up (or the cookie is missing): the cookie learns it.
      const start = identity();
      if (persistent && start.mpid !== null) write(start);
    },
  };
}

/** What `decorate` asks of the mirror. */
interface MirrorHooks {
  identity(): IdentityCookieState;
  /** the change with the identity revision it needs, if it changes the device or the current user */
  withRevision(change: StoreChange, before: IdentityCookieState): StoreChange;
  /** after a commit of this tab */
  committed(change: StoreChange, before: IdentityCookieState): void;
  /** after persist() moved the state to IndexedDB */
  nowPersistent(): void;
  /** a sibling's state to adopt, or null */
  check(): IdentityCookieState | null;
  /** after a sibling's state was committed here */
  adopted(state: IdentityCookieState): void;
}

/**
 * The committer, decorated: the client's core keeps no cookie code, and
 * every part of it that commits (identity calls, user writes, reset,
 * persist) reaches the cookie through these four methods.
 * - `commit`: the identity revision joins a change of device or current
 *   user, in the same transaction; after it, the cookie follows.
 * - `switchStore` (persist()): the state is now persistent, the cookie is written.
 * - `catchUp`, run before each identity call: a sibling's newer state is
 *   adopted first, announced as 'sync'.
 * - `close`: the focus and visibility listeners go.
 * Siblings' changes are also adopted on focus and when the page becomes visible.
 * (Longer than most: the four share the committer's own methods and the listeners.)
 */
function decorate(parts: MirrorParts, hooks: MirrorHooks, logger: Logger): void {
  const { committer, cache, events, now } = parts;
  const { commit, switchStore, catchUp, close } = committer;

  committer.commit = async (proposed) => {
    const before = hooks.identity();
    const change = hooks.withRevision(proposed, before);
    const done = await commit(change);
    hooks.committed(change, before);
    return done;
  };
  committer.switchStore = async (move) => {
    await switchStore(move);
    try {
      hooks.nowPersistent();
    } catch (error) {
      // persist() itself succeeded: a cookie the page refuses costs the cookie only
      logger.error('[idsync] could not write the identity cookie after persist()', error);
    }
  };

  /** Within the commit mutex: the sibling's state, with the store's own commit (no revision rule, no write back). */
  const adoptSibling = async (): Promise<void> => {
    const state = hooks.check();
    if (state === null) return;
    const previousMpid = cache.currentMpid;
    const before = cache.currentUser();
    const deviceBefore = committer.deviceId;
    // Another device: a reset to it first (listeners hear 'reset'), as adoptionChange explains.
    if (state.deviceId !== deviceBefore) await commit({ reset: true, deviceId: state.deviceId });
    const held = {
      deviceId: committer.deviceId,
      currentMpid: cache.currentMpid,
      record: cache.record,
    };
    await commit(adoptionChange(state, held, now()));
    hooks.adopted(state);
    const user = cache.currentUser();
    if (user !== before || committer.deviceId !== deviceBefore) {
      const previousUser = previousMpid === null ? null : cache.user(previousMpid);
      events.notify({ type: 'sync', user, previousUser });
    }
  };
  /** A quick look first (no mutex): most calls find the cookie in step. */
  const siblings = (): Promise<void> | null =>
    hooks.check() === null ? null : committer.exclusive(adoptSibling);

  committer.catchUp = (always) => {
    const reading = catchUp(always);
    return reading === null ? siblings() : reading.then(() => siblings() ?? undefined);
  };

  const onFocus = (): void => {
    siblings()?.catch((error: unknown) =>
      logger.warn('[idsync] adopting the identity cookie failed', error),
    );
  };
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') onFocus();
  };
  const inPage = typeof window !== 'undefined' && typeof document !== 'undefined';
  if (inPage) {
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onFocus);
  }
  committer.close = () => {
    if (inPage) {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('focus', onFocus);
    }
    return close();
  };
}

/**
 * The identity revision's rule: a change that leaves another device, current
 * user or logged-in flag takes a revision above both the one held and the
 * cookie's (`floor`), in the same transaction. A change that names its own
 * revision (an adoption) keeps it. A reset leaves no current user, and
 * maybe a new device id (its `deviceId`).
 */
function revisionRule(
  cache: UserCache,
  floor: () => number,
): (change: StoreChange, before: IdentityCookieState) => StoreChange {
  return (change, before) => {
    if (change.identityRevision !== undefined) return change;
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
      (change.reset && change.deviceId) || before.deviceId,
      record === undefined ? null : next,
      record?.isLoggedIn === true,
    );
    if (after === who(before)) return change;
    return { ...change, identityRevision: nextRevision(before.revision, floor()) };
  };
}

/** Every value under `name` in document.cookie, as written: one warning per distinct bad value. */
function rawValues(name: string): string {
  return document.cookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .join(' ');
}
