import { IdentityError } from '../errors';
import type { Logger } from '../types';
import { errorName, openClientDB, storageError, type Database } from './idb-schema';

/** how long an open may stay blocked (another tab) before we give up on IndexedDB */
export const DEFAULT_OPEN_TIMEOUT_MS = 3000;

/**
 * The one connection the client's stores share. After the first open it may
 * go away under the page: another tab upgrades or deletes the database
 * (`versionchange`: we close at once rather than block it) or the browser
 * closes it. It is reopened at the next use; if that fails, the stores carry
 * on in memory, with one warning, and `onFallback` listeners are told once.
 */
export interface IdbConnection {
  /**
   * One operation: `onDb` on the open database, its faults as 'storage'; or
   * `onMemory` once the stores run in memory.
   */
  use<T>(
    what: 'read' | 'write',
    onDb: (db: Database) => Promise<T>,
    onMemory: () => Promise<T>,
  ): Promise<T>;
  onFallback(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Rejects when the FIRST open fails; the caller decides whether to fall back to memory.
 * (One closure: the connection, `inMemory` and `closed` are shared by its
 * small functions.)
 */
export async function openIdbConnection(
  dbName: string,
  logger: Logger,
  openTimeoutMs = DEFAULT_OPEN_TIMEOUT_MS,
): Promise<IdbConnection> {
  let connection: Promise<Database> | null = null;
  let inMemory = false;
  let closed = false;
  const fallbackListeners: (() => void)[] = [];

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

  /** The open database, or null once the stores run in memory. */
  const database = async (): Promise<Database | null> => {
    if (closed) throw new IdentityError('storage', `the store of "${dbName}" is closed`);
    if (inMemory) return null;
    try {
      return await (connection ?? connect());
    } catch (cause) {
      if (!inMemory) {
        inMemory = true;
        logger.warn(
          `[idsync] could not reopen IndexedDB "${dbName}" (${errorName(cause)}); ` +
            'keeping state in memory only',
        );
        for (const listener of fallbackListeners) listener();
      }
      return null;
    }
  };

  return {
    async use(what, onDb, onMemory) {
      const db = await database();
      if (db === null) return onMemory();
      try {
        return await onDb(db);
      } catch (cause) {
        // Our own errors (an edit's validation) surface as they are.
        throw cause instanceof IdentityError ? cause : storageError(what, dbName, cause);
      }
    },
    onFallback: (listener) => void fallbackListeners.push(listener),
    async close() {
      closed = true;
      const open = connection;
      connection = null;
      // An open still in progress is closed as soon as it lands.
      if (open !== null) await open.then((db) => db.close()).catch(() => undefined);
    },
  };
}

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
