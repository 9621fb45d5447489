import type { IdentityClient, IdentityOptions, Logger } from '../types';
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
  if (normalized.bootstrap !== null) {
    // Its rules are a chunk of their own: most pages give no bootstrap.
    const { validateBootstrap } = await import('../validation/bootstrap');
    normalized.bootstrap = validateBootstrap(normalized.bootstrap);
  }
  // The cookie code is its own chunk, fetched while the stores open.
  const cookieCode = normalized.cookie === false ? null : loadCookieCode(normalized.logger);
  const stores = await openClientStores({
    storage: normalized.storage,
    dbName: normalized.dbName,
    logger: normalized.logger,
    maxUsers: normalized.maxUsers,
  });
  try {
    const code = await cookieCode;
    const cookie =
      code?.createCookieMirror(
        normalized.cookie,
        stores.client.capabilities.persistent,
        normalized.logger,
      ) ?? null;
    return await startIdentityClient(normalized, stores, cookie);
  } catch (error) {
    await stores.client.close().catch(() => undefined);
    throw error;
  }
}

/** A chunk that fails to load costs the cookie, not the client: logged, and the client starts without it. */
function loadCookieCode(logger: Logger) {
  return import('./cookie-mirror').catch((error: unknown) => {
    logger.error('[idsync] could not load the identity cookie code; starting without it', error);
    return null;
  });
}
