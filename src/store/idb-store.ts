import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { IdentityError } from '../errors';
import type { Logger } from '../types';
import type { ClientStore, StoreChange, StoredState, UserRecord } from './client-store';
import { createIdbOutbox } from './idb-outbox';
import type { OutboxEntry } from './outbox';

export const DB_VERSION = 2;

export interface ClientDB extends DBSchema {
  meta: { key: 'deviceId' | 'currentMpid'; value: string | null };
  users: { key: string; value: UserRecord };
  /** since version 2: alias requests not yet accepted */
  outbox: { key: string; value: OutboxEntry };
}

/**
 * Opens (and creates or upgrades) the client's database. Rejects when it
 * cannot be opened; the caller decides whether to fall back to memory.
 */
export async function openIdbStore(dbName: string, logger: Logger): Promise<ClientStore> {
  const db: IDBPDatabase<ClientDB> = await openDB<ClientDB>(dbName, DB_VERSION, {
    upgrade(database, oldVersion) {
      // One step per version, in order: a database of any age walks up to the
      // latest. (Steps as `if`s: TS's noFallthroughCasesInSwitch forbids a
      // falling-through switch.)
      if (oldVersion < 1) {
        database.createObjectStore('meta');
        database.createObjectStore('users', { keyPath: 'mpid' });
      }
      if (oldVersion < 2) database.createObjectStore('outbox', { keyPath: 'id' });
    },
    blocking() {
      // Another tab wants a newer version: step aside rather than hang it. Our
      // later commits fail with 'storage' and the app keeps its in-memory state.
      logger.warn(`[idsync] closing "${dbName}": another tab is upgrading it`);
      db.close();
    },
    terminated() {
      logger.error(`[idsync] the browser closed database "${dbName}"`);
    },
  });

  return {
    kind: 'indexeddb',
    async load(): Promise<StoredState> {
      try {
        const tx = db.transaction(['meta', 'users'], 'readonly');
        const [deviceId, currentMpid, users] = await Promise.all([
          tx.objectStore('meta').get('deviceId'),
          tx.objectStore('meta').get('currentMpid'),
          tx.objectStore('users').getAll(),
          tx.done,
        ]);
        return { deviceId: deviceId ?? null, currentMpid: currentMpid ?? null, users };
      } catch (cause) {
        throw storageError('read', dbName, cause);
      }
    },
    async commit(change: StoreChange): Promise<void> {
      let tx: IDBPTransaction<ClientDB, ['meta', 'users'], 'readwrite'> | undefined;
      const pending: Promise<unknown>[] = [];
      try {
        tx = db.transaction(['meta', 'users'], 'readwrite');
        pending.push(tx.done);
        const meta = tx.objectStore('meta');
        const users = tx.objectStore('users');
        if (change.deviceId !== undefined) pending.push(meta.put(change.deviceId, 'deviceId'));
        if (change.currentMpid !== undefined) {
          pending.push(meta.put(change.currentMpid, 'currentMpid'));
        }
        for (const record of change.users ?? []) pending.push(users.put(record));
        await Promise.all(pending);
      } catch (cause) {
        // A put that threw synchronously (DataError...) leaves the transaction
        // open: abort it so that the writes already queued are undone too, and
        // silence the requests that the abort rejects.
        for (const request of pending) request.catch(() => undefined);
        try {
          tx?.abort();
        } catch {
          // already finished or aborted
        }
        throw storageError('write', dbName, cause);
      }
    },
    async close(): Promise<void> {
      db.close();
    },
    ...createIdbOutbox(db, (what, cause) => storageError(what, dbName, cause)),
  };
}

function storageError(what: string, dbName: string, cause: unknown): IdentityError {
  const name = cause instanceof Error || cause instanceof DOMException ? cause.name : 'Error';
  return new IdentityError('storage', `could not ${what} IndexedDB "${dbName}" (${name})`, {
    cause,
  });
}
