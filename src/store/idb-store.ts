import type { ClientStore, StoreChange, StoredState, UserRecord } from './client-store';
import type { IdbConnection } from './idb-connection';
import { committed, requested, type Database, type MetaKey, type MetaValues } from './idb-schema';
import { createMemoryStore } from './memory-store';

/**
 * The users and the device, in IndexedDB (`meta` and `users`, see
 * idb-schema.ts). Each method is one transaction on the shared connection; once
 * the connection falls back to memory, a memory store takes over (empty: the
 * client keeps what it holds and writes its changes there).
 */
export function createIdbClientStore(connection: IdbConnection): ClientStore {
  let memory: ClientStore | null = null;
  const inMemory = (): ClientStore => (memory ??= createMemoryStore());

  return {
    capabilities: { sharedAcrossTabs: true, persistent: true },
    onFallback: (listener) => connection.onFallback(listener),
    load: () => connection.use('read', loadAll, () => inMemory().load()),
    readRevision: () =>
      connection.use(
        'read',
        async (db) => (await metaOf(db.transaction('meta').objectStore('meta'), 'revision')) ?? 0,
        () => inMemory().readRevision(),
      ),
    commit: (change) =>
      connection.use(
        'write',
        (db) => commitTo(db, change),
        () => inMemory().commit(change),
      ),
    async close() {
      await memory?.close();
      await connection.close();
    },
  };
}

const metaOf = <K extends MetaKey>(meta: IDBObjectStore, key: K) =>
  requested(meta.get(key) as IDBRequest<MetaValues[K] | undefined>);

async function loadAll(db: Database): Promise<StoredState> {
  const tx = db.transaction(['meta', 'users'], 'readonly');
  const meta = tx.objectStore('meta');
  const [revision, deviceId, currentMpid, context, identityRevision, users] = await Promise.all([
    metaOf(meta, 'revision'),
    metaOf(meta, 'deviceId'),
    metaOf(meta, 'currentMpid'),
    metaOf(meta, 'context'),
    metaOf(meta, 'identityRevision'),
    requested(tx.objectStore('users').getAll() as IDBRequest<UserRecord[]>),
    committed(tx),
  ]);
  return {
    revision: revision ?? 0,
    deviceId: deviceId ?? null,
    currentMpid: currentMpid ?? null,
    context: context ?? null,
    identityRevision: identityRevision ?? 0,
    users,
  };
}

/** One readwrite transaction: the change and the revision after it, or nothing at all. */
async function commitTo(db: Database, change: StoreChange): Promise<number> {
  let tx: IDBTransaction | undefined;
  let revision = 0;
  try {
    tx = db.transaction(['meta', 'users'], 'readwrite');
    const done = committed(tx);
    done.catch(() => undefined); // awaited below; a synchronous throw first aborts it
    const meta = tx.objectStore('meta');
    const users = tx.objectStore('users');
    // Reads and writes in callbacks of this transaction: nothing can come between them.
    const read = meta.get('revision');
    read.onsuccess = () => {
      revision = ((read.result as number | undefined) ?? 0) + 1;
      meta.put(revision, 'revision');
    };
    const { deviceId } = change;
    if (deviceId !== undefined) {
      // Set once, in this transaction: of tabs starting together, the first wins.
      const stored = meta.get('deviceId');
      stored.onsuccess = () => {
        if (stored.result === undefined || stored.result === null) meta.put(deviceId, 'deviceId');
      };
    }
    if (change.newDeviceId !== undefined) meta.put(change.newDeviceId, 'deviceId');
    if (change.identityRevision !== undefined)
      meta.put(change.identityRevision, 'identityRevision');
    if (change.currentMpid !== undefined) meta.put(change.currentMpid, 'currentMpid');
    if (change.context !== undefined) meta.put(change.context, 'context');
    for (const record of change.put ?? []) users.put(record);
    for (const mpid of change.delete ?? []) users.delete(mpid);
    await done;
    return revision;
  } catch (cause) {
    // A put that threw synchronously (DataError...) leaves the transaction
    // open: abort it so that the writes already queued are undone too.
    try {
      tx?.abort();
    } catch {
      // already finished or aborted
    }
    throw cause;
  }
}
