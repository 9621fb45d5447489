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
  return {
    async outboxAll() {
      const db = await database();
      if (db === null) return fallback().outboxAll();
      try {
        return (await db.getAll('outbox')).sort(byAge);
      } catch (cause) {
        throw storageError('read', cause);
      }
    },
    async outboxPut(entry) {
      const db = await database();
      if (db === null) return fallback().outboxPut(entry);
      try {
        await db.put('outbox', entry);
      } catch (cause) {
        throw storageError('write', cause);
      }
    },
    async outboxDelete(id) {
      const db = await database();
      if (db === null) return fallback().outboxDelete(id);
      try {
        await db.delete('outbox', id);
      } catch (cause) {
        throw storageError('write', cause);
      }
    },
  };
}
