import { lazy } from '../lazy';
import type { Logger } from '../types';
import { createIdbClientStore, loadMemoryStore } from './idb-store';
import { openIdbConnection, type IdbConnection } from './idb-connection';
import { errorName } from './idb-schema';
import type { OutboxStore } from './outbox';
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
    outbox: lazyIdbOutbox(connection),
  };
}

/**
 * The alias outbox's store, whose code (idb-outbox.ts) loads on its first
 * use: after start-up, in the background, when the outbox looks for requests
 * an earlier page left pending.
 */
function lazyIdbOutbox(connection: IdbConnection): OutboxStore {
  const store = lazy(() => import('./idb-outbox').then((code) => code.createIdbOutbox(connection)));
  return {
    outboxAll: async () => (await store()).outboxAll(),
    outboxPut: async (entry) => (await store()).outboxPut(entry),
    outboxDelete: async (id) => (await store()).outboxDelete(id),
  };
}

/** In memory: a rare choice (consent first, sandboxes, a server), so its code loads then. */
const memoryStores = async (maxUsers?: number): Promise<ClientStores> =>
  (await loadMemoryStore()).createMemoryStores(maxUsers);

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
