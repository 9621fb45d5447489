import {
  DEFAULT_MAX_USERS,
  type ClientStore,
  type Committed,
  type StoreChange,
  type StoredState,
  type UserRecord,
} from './client-store';
import { lazy } from '../lazy';
import type { IdbConnection } from './idb-connection';
import {
  committed,
  LAST_SEEN,
  requested,
  type Database,
  type MetaKey,
  type MetaValues,
} from './idb-schema';

/**
 * The users and the device, in IndexedDB (`meta` and `users`, see
 * idb-schema.ts). Each method is one transaction on the shared connection; once
 * the connection falls back to memory, a memory store takes over (empty: the
 * client keeps what it holds and writes its changes there).
 */
export function createIdbClientStore(
  connection: IdbConnection,
  maxUsers = DEFAULT_MAX_USERS,
): ClientStore {
  // Only after a fallback: the memory store's code loads then (memory-store.ts).
  // A failed load is tried again by the next operation (lazy.ts), never kept.
  let memory: ClientStore | null = null;
  const inMemory = lazy(
    async () => (memory = (await loadMemoryStore()).createMemoryStore(maxUsers)),
  );

  return {
    capabilities: { sharedAcrossTabs: true },
    onFallback: (listener) => connection.onFallback(listener),
    load: () =>
      connection.use(
        'read',
        (db) => loadRecent(db, maxUsers),
        async () => (await inMemory()).load(),
      ),
    readRevision: () =>
      connection.use(
        'read',
        async (db) => (await metaOf(db.transaction('meta').objectStore('meta'), 'revision')) ?? 0,
        async () => (await inMemory()).readRevision(),
      ),
    commit: (change) =>
      connection.use(
        'write',
        async (db) =>
          commitTo(
            db,
            change,
            maxUsers,
            // Resets, user writes and the identity cookie's revision: their
            // code loads on first need, before the transaction opens.
            change.reset || change.edit || change.identityRevision !== undefined
              ? (await loadExtras()).applyExtras
              : undefined,
          ),
        async () => (await inMemory()).commit(change),
      ),
    // Only `persist()` needs it: its own chunk, loaded then.
    absorb: (held) =>
      connection.use(
        'write',
        async (db) => (await loadAbsorb()).absorbInto(db, held, maxUsers),
        async () => (await inMemory()).commit({}),
      ),
    async close() {
      await memory?.close();
      await connection.close();
    },
  };
}

/** memory-store.ts: where a store falls back to, and where a client that keeps its state in memory runs */
export const loadMemoryStore = lazy(() => import('./memory-store'));
const loadExtras = lazy(() => import('./idb-extras'));
const loadAbsorb = lazy(() => import('./idb-absorb'));

const metaOf = <K extends MetaKey>(meta: IDBObjectStore, key: K) =>
  requested(meta.get(key) as IDBRequest<MetaValues[K] | undefined>);

/**
 * The device, the current user and the `maxUsers` most recently seen past
 * users, in one read-only transaction: a bounded read of the lastSeen index,
 * so a database holding thousands of users costs what one holding 20 does.
 */
async function loadRecent(db: Database, maxUsers: number): Promise<StoredState> {
  const tx = db.transaction(['meta', 'users'], 'readonly');
  const meta = tx.objectStore('meta');
  const users = tx.objectStore('users');
  let recent: UserRecord[] = [];
  // Three requests whatever the count: find the lastSeen of the (maxUsers + 1)th
  // most recent user (one more than the limit: the current user is usually
  // among them), then read those at or above it in one getAll. A walk of
  // maxUsers cursor steps would cost a round trip each.
  const byLastSeen = users.index(LAST_SEEN);
  const walk = byLastSeen.openKeyCursor(null, 'prev');
  let advanced = false;
  walk.onsuccess = () => {
    const cursor = walk.result;
    if (cursor !== null && !advanced) {
      advanced = true;
      return cursor.advance(maxUsers);
    }
    const range = cursor === null ? null : IDBKeyRange.lowerBound(cursor.key);
    const read = byLastSeen.getAll(range);
    read.onsuccess = () => (recent = (read.result as UserRecord[]).reverse());
  };
  let current: UserRecord | undefined;
  const currentRead = meta.get('currentMpid');
  currentRead.onsuccess = () => {
    if (typeof currentRead.result !== 'string') return;
    const read = users.get(currentRead.result);
    read.onsuccess = () => (current = read.result as UserRecord | undefined);
  };
  const [revision, deviceId, context, identityRevision] = await Promise.all([
    metaOf(meta, 'revision'),
    metaOf(meta, 'deviceId'),
    metaOf(meta, 'context'),
    metaOf(meta, 'identityRevision'),
    committed(tx),
  ]);
  const currentMpid = (currentRead.result as string | null | undefined) ?? null;
  const past = recent.filter((r) => r.mpid !== currentMpid).slice(0, maxUsers);
  return {
    revision: revision ?? 0,
    deviceId: deviceId ?? null,
    currentMpid,
    context: context ?? null,
    identityRevision: identityRevision ?? 0,
    users: current === undefined ? past : [current, ...past],
  };
}

/** What a commit's `reset`, `edit` and `identityRevision` do, in its transaction (idb-extras.ts). */
export type ApplyExtras = (
  tx: IDBTransaction,
  change: StoreChange,
  result: Committed,
  refuse: (error: unknown) => void,
) => void;

/** One readwrite transaction: the change and the revision after it, or nothing at all. */
async function commitTo(
  db: Database,
  change: StoreChange,
  maxUsers: number,
  extras?: ApplyExtras,
): Promise<Committed> {
  let tx: IDBTransaction | undefined;
  const result: Committed = { revision: 0, deleted: [] };
  // An edit's own error (validation), which aborts the transaction and surfaces as it is.
  let refused: unknown;
  try {
    tx = db.transaction(
      change.reset ? ['meta', 'users', 'outbox'] : ['meta', 'users'],
      'readwrite',
    );
    const done = committed(tx);
    done.catch(() => undefined); // awaited below; a synchronous throw first aborts it
    const meta = tx.objectStore('meta');
    const users = tx.objectStore('users');
    // Reads and writes in callbacks of this transaction: nothing can come between them.
    const read = meta.get('revision');
    read.onsuccess = () => {
      result.revision = ((read.result as number | undefined) ?? 0) + 1;
      meta.put(result.revision, 'revision');
    };
    // First: a reset clears what the rest of the change then writes.
    extras?.(tx, change, result, (error) => {
      refused = error;
      tx!.abort();
    });
    const { deviceId } = change;
    if (deviceId !== undefined) {
      // Set once, in this transaction: of tabs starting together, the first
      // wins (a reset's new id, queued above, is already there).
      const stored = meta.get('deviceId');
      stored.onsuccess = () => {
        if (stored.result === undefined || stored.result === null) meta.put(deviceId, 'deviceId');
      };
    }
    if (change.currentMpid !== undefined) meta.put(change.currentMpid, 'currentMpid');
    if (change.context !== undefined) meta.put(change.context, 'context');
    const { currentMpid } = change;
    const puts = change.put ?? [];
    // Only a user the store did not hold can take the count past the limit:
    // each record's key is looked up (before its put, in the same round trip
    // as the rest), and the walk of the lastSeen index, a round trip per
    // user, runs only then, not on every change of user.
    let added = false;
    puts.forEach((record, i) => {
      if (typeof currentMpid === 'string') {
        const held = users.getKey(record.mpid);
        held.onsuccess = () => {
          added ||= held.result === undefined;
          if (added && i === puts.length - 1) {
            evictPast(users, currentMpid, maxUsers, result.deleted);
          }
        };
      }
      users.put(record);
    });
    for (const mpid of change.delete ?? []) users.delete(mpid);
    await done;
    return result;
  } catch (cause) {
    // A put that threw synchronously (DataError...) leaves the transaction
    // open: abort it so that the writes already queued are undone too.
    try {
      tx?.abort();
    } catch {
      // already finished or aborted
    }
    throw refused ?? cause;
  }
}

/**
 * Deletes, in the transaction of `users`, the past users beyond `maxUsers`,
 * least recently seen first, never `currentMpid`; their mpids go to `deleted`.
 */
export function evictPast(
  users: IDBObjectStore,
  currentMpid: string,
  maxUsers: number,
  deleted: string[],
): void {
  let kept = 0;
  const walk = users.index(LAST_SEEN).openKeyCursor(null, 'prev');
  walk.onsuccess = () => {
    const cursor = walk.result;
    if (cursor === null) return;
    const mpid = cursor.primaryKey as string;
    if (mpid !== currentMpid && ++kept > maxUsers) {
      users.delete(mpid);
      deleted.push(mpid);
    }
    cursor.continue();
  };
}
