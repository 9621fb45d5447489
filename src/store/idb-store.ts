import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { IdentityError } from '../errors';
import type { Logger } from '../types';
import type { ClientStore, StoreChange, StoredState, UserRecord } from './client-store';
import { createIdbOutbox } from './idb-outbox';
import { createMemoryStore } from './memory-store';
import type { OutboxEntry } from './outbox';

export const DB_VERSION = 2;

export interface ClientDB extends DBSchema {
  meta: { key: 'deviceId' | 'currentMpid'; value: string | null };
  users: { key: string; value: UserRecord };
  /** since version 2: alias requests not yet accepted */
  outbox: { key: string; value: OutboxEntry };
}

/**
 * One connection to the client's database, created or upgraded as needed.
 * `onLost` is told when the connection goes away under the page.
 */
function openClientDB(dbName: string, logger: Logger, onLost: () => void): Promise<Database> {
  return openDB<ClientDB>(dbName, DB_VERSION, {
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
    blocking(_current, _blocked, event) {
      // Another tab wants a newer version or deletes the database: step aside
      // rather than hang it, and reopen when the store is next used.
      logger.warn(`[idsync] closing "${dbName}": another tab is upgrading or deleting it`);
      (event.target as IDBDatabase).close();
      onLost();
    },
    terminated() {
      logger.error(`[idsync] the browser closed database "${dbName}"; reopening on next use`);
      onLost();
    },
  });
}

/**
 * Opens the client's store. Rejects when the FIRST open fails; the caller
 * decides whether to fall back to memory.
 *
 * Afterwards the connection may go away under the page: another tab upgrades
 * or deletes the database (`versionchange`: we close at once rather than block
 * it) or the browser closes it (`close`). The store then reopens at its next
 * use; if that fails it carries on in memory, with one warning, and the client
 * keeps what it holds.
 */
export async function openIdbStore(
  dbName: string,
  logger: Logger,
  openTimeoutMs = DEFAULT_OPEN_TIMEOUT_MS,
): Promise<ClientStore> {
  let connection: Promise<Database> | null = null;
  let fallback: ClientStore | null = null;
  let closed = false;

  const connect = (): Promise<Database> => {
    const opening = withTimeout(
      openClientDB(dbName, logger, () => {
        if (connection === opening) connection = null;
      }),
      openTimeoutMs,
    );
    connection = opening;
    opening.catch(() => {
      if (connection === opening) connection = null;
    });
    return opening;
  };

  await connect();

  /** The open database, or null once the store runs in memory. */
  const database = async (): Promise<Database | null> => {
    if (closed) throw new IdentityError('storage', `the store of "${dbName}" is closed`);
    if (fallback !== null) return null;
    try {
      return await (connection ?? connect());
    } catch (cause) {
      if (fallback === null) {
        logger.warn(
          `[idsync] could not reopen IndexedDB "${dbName}" (${errorName(cause)}); ` +
            'keeping state in memory only',
        );
        fallback = createMemoryStore();
      }
      return null;
    }
  };

  return {
    get kind() {
      return fallback === null ? 'indexeddb' : 'memory';
    },
    async load(): Promise<StoredState> {
      const db = await database();
      if (db === null) return (fallback as ClientStore).load();
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
      const db = await database();
      if (db === null) return (fallback as ClientStore).commit(change);
      let tx: IDBPTransaction<ClientDB, ['meta', 'users'], 'readwrite'> | undefined;
      const pending: Promise<unknown>[] = [];
      try {
        tx = db.transaction(['meta', 'users'], 'readwrite');
        pending.push(tx.done);
        const meta = tx.objectStore('meta');
        const users = tx.objectStore('users');
        if (change.deviceId !== undefined) {
          // Set once, in this transaction: of tabs starting together, the first wins.
          const deviceId = change.deviceId;
          pending.push(
            meta.get('deviceId').then((stored) => {
              if (stored === undefined || stored === null) return meta.put(deviceId, 'deviceId');
            }),
          );
        }
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
      closed = true;
      const open = connection;
      connection = null;
      await fallback?.close();
      // An open still in progress is closed as soon as it lands.
      if (open !== null) await open.then((db) => db.close()).catch(() => undefined);
    },
    ...createIdbOutbox(
      database,
      () => fallback as ClientStore,
      (what, cause) => storageError(what, dbName, cause),
    ),
  };
}

type Database = IDBPDatabase<ClientDB>;

/** how long an open may stay blocked (another tab) before we give up on IndexedDB */
export const DEFAULT_OPEN_TIMEOUT_MS = 3000;

/** Rejects when the open stays blocked; a connection that arrives late is closed. */
function withTimeout(opening: Promise<Database>, ms: number): Promise<Database> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      opening.then((db) => db.close()).catch(() => undefined);
      reject(new DOMException(`open stayed blocked for ${ms} ms`, 'TimeoutError'));
    }, ms);
  });
  return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
}

/** The DOMException's name (QuotaExceededError, SecurityError...), for log and error messages. */
export function errorName(cause: unknown): string {
  return cause instanceof Error || cause instanceof DOMException ? cause.name : 'Error';
}

function storageError(what: string, dbName: string, cause: unknown): IdentityError {
  return new IdentityError(
    'storage',
    `could not ${what} IndexedDB "${dbName}" (${errorName(cause)})`,
    {
      cause,
    },
  );
}
