import type { IDBPDatabase } from 'idb';
import type { IdentityError } from '../errors';
import type { ClientDB } from './idb-store';
import { byAge, type OutboxStore } from './outbox';

/**
 * The IndexedDB store's outbox: the `outbox` object store (keyPath `id`,
 * database version 2). Each method is one transaction of its own, on the
 * store's current connection (`database()`, reopened after a versionchange),
 * or on the memory fallback once the store runs in memory (`null`).
 */
export function createIdbOutbox(
  database: () => Promise<IDBPDatabase<ClientDB> | null>,
  fallback: () => OutboxStore,
  storageError: (what: string, cause: unknown) => IdentityError,
): OutboxStore {
  /** One operation: on the connection (its faults as 'storage'), or on memory after a fallback. */
  const run = async <T>(
    what: 'read' | 'write',
    onDb: (db: IDBPDatabase<ClientDB>) => Promise<T>,
    onMemory: (memory: OutboxStore) => Promise<T>,
  ): Promise<T> => {
    const db = await database();
    if (db === null) return onMemory(fallback());
    try {
      return await onDb(db);
    } catch (cause) {
      throw storageError(what, cause);
    }
  };
  return {
    outboxAll: () =>
      run(
        'read',
        async (db) => (await db.getAll('outbox')).sort(byAge),
        (memory) => memory.outboxAll(),
      ),
    outboxPut: (entry) =>
      run(
        'write',
        async (db) => void (await db.put('outbox', entry)),
        (memory) => memory.outboxPut(entry),
      ),
    outboxDelete: (id) =>
      run(
        'write',
        (db) => db.delete('outbox', id),
        (memory) => memory.outboxDelete(id),
      ),
  };
}
