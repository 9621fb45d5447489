import type { Logger } from '../types';
import type { ClientStore } from './client-store';
import { errorName, openIdbStore } from './idb-store';
import { createMemoryStore } from './memory-store';

export interface OpenStoreOptions {
  storage: 'indexeddb' | 'memory';
  dbName: string;
  logger: Logger;
  /** how long an open may stay blocked (another tab) before we give up on IndexedDB */
  openTimeoutMs?: number;
}

/**
 * The store the client runs on. IndexedDB when asked and possible; otherwise
 * memory, with ONE warning, so that the SDK works in private modes and sandboxes.
 */
export async function openClientStore(options: OpenStoreOptions): Promise<ClientStore> {
  const { storage, dbName, logger } = options;
  if (storage === 'memory') return createMemoryStore();
  const fallBack = (reason: string): ClientStore => {
    logger.warn(`[idsync] IndexedDB unavailable (${reason}); keeping state in memory only`);
    return createMemoryStore();
  };
  let idb: IDBFactory | undefined | null;
  try {
    // Some sandboxes throw on the mere read of `indexedDB` (a SecurityError).
    idb = typeof indexedDB === 'undefined' ? undefined : indexedDB;
  } catch (error) {
    return fallBack(`indexedDB threw: ${errorName(error)}`);
  }
  if (idb === undefined || idb === null) return fallBack('no indexedDB');
  try {
    return await openIdbStore(dbName, logger, options.openTimeoutMs);
  } catch (error) {
    return fallBack(`open failed: ${errorName(error)}`);
  }
}
