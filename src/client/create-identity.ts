import { lazy } from '../lazy';
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
  if (normalized.identifyOnInit !== false && options.identifyOnInit !== undefined) {
    normalized.identifyOnInit = (await loadRequests()).validateIdentityRequest(
      options.identifyOnInit,
      'options.identifyOnInit',
      false,
    );
  }
  // `cookie` and `bootstrap`: their code loads only when one is given (its
  // own chunk), and checks them before anything is opened.
  const shared =
    (options.cookie !== undefined && options.cookie !== false) || options.bootstrap !== undefined
      ? await (await loadCookieAndBootstrap()).prepare(options, normalized)
      : undefined;
  const stores = await openClientStores(normalized);
  try {
    return await startIdentityClient(normalized, stores, shared);
  } catch (error) {
    await stores.client.close().catch(() => undefined);
    throw error;
  }
}

const loadCookieAndBootstrap = lazy(() => import('./cookie-and-bootstrap'));
const loadRequests = lazy(() => import('./requests'));
