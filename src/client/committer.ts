import { lazy } from '../lazy';
import type { ClientStore, Committed, StoreChange, StoredState } from '../store/client-store';
import type { Logger, UserChangeEvent } from '../types';
import { createSerialQueue } from './serial-queue';
import type { SyncedChange, TabSync } from './tab-sync';
import type { CacheChange, UserCache } from './user-cache';

/**
 * The one way state changes: under the commit mutex, on the latest records,
 * committed to the store before the cache is swapped, then posted to the other
 * tabs of the database. It also keeps this tab current with theirs: their
 * messages are adopted as they arrive, and `catchUp` re-reads the store when
 * its revision says that a message was missed.
 */
export interface Committer {
  readonly deviceId: string;
  /** the service's latest context, sent with every call */
  readonly context: string | null;
  /** where state is kept right now: 'memory' too after a fallback */
  readonly storage: 'indexeddb' | 'memory';
  /** Runs `task` under the commit mutex: one read-modify-write of the state at a time. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Within `exclusive`: commits, then swaps the cache, then tells the other
   * tabs. A change with `reset: true` is a reset (no user is current after
   * it; `deviceId`, when given, is the new device id).
   */
  commit(change: StoreChange): Promise<Committed>;
  /**
   * Within `exclusive` (`persist()`): `move` takes what the store holds and
   * writes it to a persistent store; this tab then runs on that store, takes
   * what it holds now, joins the other tabs and tells them.
   */
  switchStore(
    move: (held: StoredState) => Promise<{ store: ClientStore; committed: Committed }>,
  ): Promise<void>;
  /**
   * Makes sure this tab holds what the store holds, under the commit mutex,
   * with one small read of the revision when another tab may have written
   * (`always`: even where messages alone are trusted). null when there is
   * nothing to read: the caller goes on at once.
   */
  catchUp(always?: boolean): Promise<void> | null;
  /** Lets a commit in progress finish (its message still goes out), then closes the store. */
  close(): Promise<void>;
}

export interface CommitterOptions {
  store: ClientStore;
  cache: UserCache;
  /** what the store held at start-up */
  stored: StoredState;
  dbName: string;
  logger: Logger;
  notify(event: UserChangeEvent): void;
  /** false: skip the revision read, trust the other tabs' messages (no Web Locks: nothing orders calls anyway) */
  readBeforeCalls(): boolean;
}

const loadTabSync = lazy(() => import('./tab-sync'));

/**
 * (One closure, longer than most: the revision bookkeeping, the tab
 * connection and the mutex are state its small functions share.)
 */
export function createCommitter(options: CommitterOptions): Committer {
  const { cache, stored, dbName, logger } = options;
  let store = options.store;
  const mutex = createSerialQueue();
  let deviceId = stored.deviceId as string;
  let context = stored.context;
  // `held`: the revision this tab fully reflects (-1: unknown, re-read before
  // the next call). `seen`: the newest revision whose change this tab took.
  let held = stored.revision;
  let seen = stored.revision;
  let shared = store.capabilities.sharedAcrossTabs;
  let closed = false;

  const refreshSoon = (): void => {
    void mutex(async () => {
      if (!closed && shared && held < 0) await refresh();
    }).catch((error: unknown) => logger.warn('[idsync] re-reading the store failed', error));
  };

  /** A revision this tab now reflects: in sequence, or a gap (re-read soon). */
  const reached = (revision: number): void => {
    held = held >= 0 && revision === held + 1 ? revision : -1;
    seen = Math.max(seen, revision);
    if (held < 0) refreshSoon();
  };

  /** Another tab's change (a message or a re-read); 'sync' when the current user or its record changed. */
  const adopt = (change: CacheChange, replaceAll = false): void => {
    const before = cache.currentUser();
    if (replaceAll) cache.replace(change.put ?? [], change.currentMpid ?? null);
    else cache.adopt(change);
    const after = cache.currentUser();
    if (after !== before) options.notify({ type: 'sync', user: after, previousUser: before });
  };

  const onMessage = (change: SyncedChange): void => {
    if (closed || change.revision <= seen) return; // already reflected (or older than what is held)
    if (change.context !== undefined) context = change.context;
    if (change.deviceId !== undefined) deviceId = change.deviceId;
    if (change.reset) takeReset();
    else adopt(change);
    reached(change.revision);
  };

  /** A reset, here or in another tab: no user is left, and listeners hear 'reset'. */
  const takeReset = (): void => {
    const before = cache.currentUser();
    context = null;
    cache.replace([], null);
    options.notify({ type: 'reset', user: null, previousUser: before });
  };

  /** Re-reads the store, which another tab may have written, and takes what it holds. */
  const refresh = async (): Promise<void> => {
    let latest = await store.load();
    if (latest.deviceId === null) {
      // The database was deleted under the page: write back what this tab
      // holds rather than lose the user.
      logger.info(`[idsync] "${dbName}" lost its contents; restoring them from this tab`);
      const put = cache.records();
      await store.commit({ deviceId, currentMpid: cache.currentMpid, context, put });
      latest = await store.load();
    }
    deviceId = latest.deviceId ?? deviceId;
    context = latest.context;
    adopt({ put: latest.users, currentMpid: latest.currentMpid }, true);
    held = seen = latest.revision;
  };

  let tabs: TabSync | null = null;
  /**
   * The connection to the other tabs: its code (tab-sync.ts) loads after
   * start-up, off the path that restores the user. Until it is connected this
   * tab reads the store before each call (`catchUp`); once connected it reads
   * the revision once, for what it may have missed, and commits wait for it
   * so that every change is announced.
   */
  let connecting: Promise<void> | null = null;
  const connect = (): void => {
    store.onFallback(() => {
      // In memory from now on: nothing of other tabs to read or adopt.
      shared = false;
    });
    if (!shared) return;
    const attempt: Promise<void> = loadTabSync().then(
      ({ connectTabs }) => {
        if (closed || connecting !== attempt) return;
        tabs = connectTabs(dbName, {
          onChange: onMessage,
          onMaybeStale: () => {
            held = -1;
            refreshSoon();
          },
        });
        void checkRevision().catch(warnReread);
      },
      (error: unknown) => logger.warn('[idsync] could not listen to other tabs', error),
    );
    connecting = attempt;
  };
  const warnReread = (error: unknown) => logger.warn('[idsync] re-reading the store failed', error);
  /** One read of the revision; everything again when another tab moved it. */
  const checkRevision = () =>
    mutex(async () => {
      if (held >= 0 && (await store.readRevision()) === held) return;
      await refresh();
    });
  connect();

  return {
    get deviceId() {
      return deviceId;
    },
    get context() {
      return context;
    },
    get storage() {
      return shared ? 'indexeddb' : 'memory';
    },
    exclusive: (task) => mutex(task),
    async commit(change) {
      const done = await store.commit(change);
      const { revision, edited } = done;
      // What the store did of its own (an edit's record, evictions) is part of the change.
      const put = edited ? [...(change.put ?? []), edited] : (change.put ?? []);
      const deleted = [...(change.delete ?? []), ...done.deleted];
      const message: SyncedChange = { revision, put, delete: deleted };
      if (change.reset) {
        if (change.deviceId !== undefined) deviceId = message.deviceId = change.deviceId;
        message.reset = true;
        takeReset();
      } else cache.apply({ ...change, put, delete: deleted });
      if (change.context !== undefined) context = change.context;
      if (!shared) return done;
      reached(revision);
      await connecting;
      if (change.currentMpid !== undefined) message.currentMpid = change.currentMpid;
      if (change.context !== undefined) message.context = change.context;
      tabs?.post(message);
      return done;
    },
    async switchStore(move) {
      const { store: next, committed } = await move(await store.load());
      const previous = store;
      store = next;
      shared = next.capabilities.sharedAcrossTabs;
      connect();
      await connecting;
      await refresh();
      // The tabs already on that store learn the state that won, as one change.
      const { revision, deleted } = committed;
      const [currentMpid, put] = [cache.currentMpid, cache.records()];
      // (`tabs` is set by the connection just awaited)
      (tabs as TabSync | null)?.post({
        revision,
        deviceId,
        currentMpid,
        context,
        put,
        delete: deleted,
      });
      await previous.close();
    },
    catchUp(always = false) {
      if (!shared || (!always && held >= 0 && !options.readBeforeCalls() && tabs?.live)) {
        return null; // nothing to read: messages keep this tab current
      }
      return checkRevision();
    },
    close() {
      closed = true; // no more adopting; a commit already queued still runs
      return mutex(() => {
        connecting = null; // a connection still on its way is never made
        tabs?.close(); // after the last commit, whose message is still sent
        return store.close();
      });
    },
  };
}
