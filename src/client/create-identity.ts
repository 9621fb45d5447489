import type { IdentityClient, IdentityOptions } from '../types';
import { openClientStores } from '../store/open-store';
import { startIdentityClient } from './identity-client';
import { normalizeOptions } from './options';

/**
 * Opens the stores, restores the persisted current user (no backend call) or
 * sends `identifyOnInit`, and resolves with the client. Invalid options reject
 * with IdentityError 'validation' before anything is opened.
 */
export async function createIdentity(options: IdentityOptions): Promise<IdentityClient> {
  const normalized = normalizeOptions(options);
  const stores = await openClientStores({
    storage: normalized.storage,
    dbName: normalized.dbName,
    logger: normalized.logger,
    maxUsers: normalized.maxUsers,
  });
  try {
    return await startIdentityClient(normalized, stores);
  } catch (error) {
    await stores.client.close().catch(() => undefined);
    throw error;
  }
}
