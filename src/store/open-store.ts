import type { Logger } from '../types';
import type { ClientStore } from './client-store';
import { openIdbStore } from './idb-store';
import { createMemoryStore } from './memory-store';

export interface OpenStoreOptions {
  storage: 'indexeddb' | 'memory';
  dbName: string;
  logger: Logger;
  /** how long an open may stay blocked (another tab) before we give up on IndexedDB */
  openTimeoutMs?: number;
}

export const DEFAULT_OPEN_TIMEOUT_MS = 3000;

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
  if (typeof indexedDB === 'undefined' || indexedDB === null) return fallBack('no indexedDB');

  let timer: ReturnType<typeof setTimeout> | undefined;
  const opening = openIdbStore(dbName, logger);
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS);
  });
  try {
    const winner = await Promise.race([opening, timeout]);
    if (winner !== 'timeout') return winner;
    // Should the open succeed later, release the connection nobody will use.
    opening.then((store) => store.close()).catch(() => undefined);
    return fallBack('open stayed blocked');
  } catch (error) {
    const name = error instanceof Error || error instanceof DOMException ? error.name : 'error';
    return fallBack(`open failed: ${name}`);
  } finally {
    clearTimeout(timer);
  }
}
