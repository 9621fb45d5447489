import type { Logger } from '../types';
import { createIdbClientStore } from './idb-store';
import { openIdbConnection } from './idb-connection';
import { createIdbOutbox } from './idb-outbox';
import { errorName } from './idb-schema';
import type { ClientStores } from './stores';

export interface OpenStoreOptions {
  storage: 'indexeddb' | 'memory';
  dbName: string;
  logger: Logger;
  /** how long an open may stay blocked (another tab) before we give up on IndexedDB */
  openTimeoutMs?: number;
  /** past users kept besides the current one (default 20) */
  maxUsers?: number;
}

/** Both stores over one IndexedDB connection. Rejects when the first open fails. */
export async function openIdbStores(
  dbName: string,
  logger: Logger,
  openTimeoutMs?: number,
  maxUsers?: number,
): Promise<ClientStores> {
  const connection = await openIdbConnection(dbName, logger, openTimeoutMs);
  return {
    client: createIdbClientStore(connection, maxUsers),
    outbox: createIdbOutbox(connection),
  };
}

/** In memory: a rare choice (consent first, sandboxes, a server), so its code loads then. */
const memoryStores = async (maxUsers?: number): Promise<ClientStores> =>
  (await import('./memory-store')).createMemoryStores(maxUsers);

/**
 * The stores the client runs on. IndexedDB when asked and possible; otherwise
 * memory, with ONE warning, so that the SDK works in private modes and sandboxes.
 */
export async function openClientStores(options: OpenStoreOptions): Promise<ClientStores> {
  const { storage, dbName, logger, maxUsers } = options;
  if (storage === 'memory') return memoryStores(maxUsers);
  const fallBack = (reason: string): Promise<ClientStores> => {
    logger.warn(`[idsync] IndexedDB unavailable (${reason}); keeping state in memory only`);
    return memoryStores(maxUsers);
  };
  let idb: IDBFactory | undefined | null;
  try {
    // Some sandboxes throw on the mere read of `indexedDB` (a SecurityError).
    idb = typeof indexedDB === 'undefined' ? undefined : indexedDB;
  } catch (error) {
    return fallBack(`indexedDB threw: ${errorName(error)}`);
  }
  if (idb === undefined || idb === null) {
    // On a server (Node: no window either) memory is the expected place, not
    // a fault: no warning for each page it renders.
    if (typeof window === 'undefined') return memoryStores(maxUsers);
    return fallBack('no indexedDB');
  }
  try {
    return await openIdbStores(dbName, logger, options.openTimeoutMs, maxUsers);
  } catch (error) {
    return await fallBack(`open failed: ${errorName(error)}`);
  }
}
