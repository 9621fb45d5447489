import type { IDBPDatabase } from 'idb';
import type { IdentityError } from '../errors';
import type { ClientDB } from './idb-store';
import { byAge, type OutboxStore } from './outbox';

/**
 * The IndexedDB store's outbox: the `outbox` object store (keyPath `id`,
 * database version 2). Each method is one transaction of its own.
 */
export function createIdbOutbox(
  db: IDBPDatabase<ClientDB>,
  storageError: (what: string, cause: unknown) => IdentityError,
): OutboxStore {
  return {
    async outboxAll() {
      try {
        return (await db.getAll('outbox')).sort(byAge);
      } catch (cause) {
        throw storageError('read', cause);
      }
    },
    async outboxPut(entry) {
      try {
        await db.put('outbox', entry);
      } catch (cause) {
        throw storageError('write', cause);
      }
    },
    async outboxDelete(id) {
      try {
        await db.delete('outbox', id);
      } catch (cause) {
        throw storageError('write', cause);
      }
    },
  };
}
