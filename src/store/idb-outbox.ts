import type { IdbConnection } from './idb-connection';
import { committed, requested } from './idb-schema';
import { byAge, createMemoryOutbox, type OutboxEntry, type OutboxStore } from './outbox';

/**
 * The alias outbox in IndexedDB: the `outbox` object store (see idb-schema.ts).
 * Each method is one transaction of its own on the shared connection, or on a
 * memory outbox once the connection has fallen back to memory.
 */
export function createIdbOutbox(connection: IdbConnection): OutboxStore {
  let memory: OutboxStore | null = null;
  // The connection refuses work once closed; the memory twin never sees a closed store.
  const inMemory = (): OutboxStore => (memory ??= createMemoryOutbox(() => false));
  /** One request in a transaction of its own: resolves once that transaction commits. */
  const inOutbox = async <T>(
    mode: IDBTransactionMode,
    db: IDBDatabase,
    op: (outbox: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> => {
    const tx = db.transaction('outbox', mode);
    const [result] = await Promise.all([requested(op(tx.objectStore('outbox'))), committed(tx)]);
    return result;
  };
  return {
    outboxAll: () =>
      connection.use(
        'read',
        async (db) =>
          (await inOutbox('readonly', db, (o) => o.getAll() as IDBRequest<OutboxEntry[]>)).sort(
            byAge,
          ),
        () => inMemory().outboxAll(),
      ),
    outboxPut: (entry) =>
      connection.use(
        'write',
        async (db) => void (await inOutbox('readwrite', db, (o) => o.put(entry))),
        () => inMemory().outboxPut(entry),
      ),
    outboxDelete: (id) =>
      connection.use(
        'write',
        (db) => inOutbox('readwrite', db, (o) => o.delete(id)),
        () => inMemory().outboxDelete(id),
      ),
  };
}
