import { IdentityError } from '../errors';
import type { Logger } from '../types';
import type { UserRecord } from './client-store';
import type { OutboxEntry } from './outbox';

/**
 * The client's IndexedDB database, in one place: its shape, its version and
 * the steps that bring a database of any older version up to it, and how its
 * faults surface (IdentityError 'storage'). Plain IndexedDB with two small
 * promise helpers: the start-up bundle carries no wrapper library.
 */
export const DB_VERSION = 3;

/**
 * Small values of the device, one record each: keys of the `meta` store. New
 * keys need no new version (the store has out-of-line keys); `context`,
 * `revision` and `identityRevision` came that way.
 */
export interface MetaValues {
  deviceId: string | null;
  currentMpid: string | null;
  context: string | null;
  revision: number;
  identityRevision: number;
}
export type MetaKey = keyof MetaValues;

/** The object stores: name → key and value. */
export interface ClientDB {
  meta: { key: MetaKey; value: MetaValues[MetaKey] };
  /** keyPath `mpid`; since version 3, index `lastSeen` (start-up reads the most recent few, eviction the oldest) */
  users: { key: string; value: UserRecord };
  /** since version 2, keyPath `id`: alias requests not yet accepted */
  outbox: { key: string; value: OutboxEntry };
}
export type StoreName = keyof ClientDB;

export type Database = IDBDatabase;

/** One step per version, in order: a database of any age walks up to the latest. */
function upgrade(db: IDBDatabase, tx: IDBTransaction, oldVersion: number): void {
  // (Steps as `if`s: TS's noFallthroughCasesInSwitch forbids a falling-through switch.)
  if (oldVersion < 1) {
    db.createObjectStore('meta');
    db.createObjectStore('users', { keyPath: 'mpid' });
  }
  if (oldVersion < 2) db.createObjectStore('outbox', { keyPath: 'id' });
  // Every record has a lastSeen: the index covers the users already stored, none is lost.
  if (oldVersion < 3) tx.objectStore('users').createIndex(LAST_SEEN, 'lastSeen');
}

/** the `users` index by lastSeen (version 3) */
export const LAST_SEEN = 'lastSeen';

/**
 * One connection to the client's database, created or upgraded as needed.
 * `onLost` is told when the connection goes away under the page.
 */
export function openClientDB(
  dbName: string,
  logger: Logger,
  onLost: () => void,
): Promise<Database> {
  const open = indexedDB.open(dbName, DB_VERSION);
  open.onupgradeneeded = (event) => upgrade(open.result, open.transaction!, event.oldVersion);
  return requested(open).then((db) => {
    db.onversionchange = () => {
      // Another tab wants a newer version or deletes the database: step aside
      // rather than hang it, and reopen when the store is next used.
      logger.warn(`[idsync] closing "${dbName}": another tab is upgrading or deleting it`);
      db.close();
      onLost();
    };
    db.onclose = () => {
      logger.error(`[idsync] the browser closed database "${dbName}"; reopening on next use`);
      onLost();
    };
    return db;
  });
}

/** The result of one request. */
export function requested<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves when the transaction commits; rejects when it aborts or fails. */
export function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // (an abort we asked for has no error: it only follows a failure we report ourselves)
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** The DOMException's name (QuotaExceededError, SecurityError...), for log and error messages. */
export function errorName(cause: unknown): string {
  return cause instanceof Error || cause instanceof DOMException ? cause.name : 'Error';
}

export function storageError(what: string, dbName: string, cause: unknown): IdentityError {
  return new IdentityError(
    'storage',
    `could not ${what} IndexedDB "${dbName}" (${errorName(cause)})`,
    {
      cause,
    },
  );
}
