import type { ClientStore, StoreChange, StoredState } from '../store/client-store';
import { randomUuid } from '../uuid';
import type { CookieMirror } from './cookie-mirror';
import type { ClientOptions } from './options';

/**
 * The state the client starts from, in the start-up order (docs: README
 * "Subdomains, Safari and server-side rendering"): `bootstrap` for what it
 * names; otherwise the newer of IndexedDB and the identity cookie; otherwise
 * what is stored (a new device id when none is). Whatever is adopted is
 * committed before this resolves, and nothing is sent.
 */
export async function loadStartState(
  store: ClientStore,
  options: ClientOptions,
  cookie: CookieMirror | null,
): Promise<StoredState> {
  const stored = await store.load();
  if (cookie === null && options.bootstrap === null) {
    if (stored.deviceId !== null) return stored;
    // The store keeps the first device id written: read back the winner.
    await store.commit({ deviceId: randomUuid() });
    return store.load();
  }
  // Only with the cookie or bootstrap: the cookie chunk loads it too.
  const { adoptionChange, heldOf, planStart, storedIdentity } = await import('./adopt');
  const local = storedIdentity(stored);
  const fromCookie = cookie === null ? null : cookie.adoptable(local);
  const next = planStart(local, fromCookie, options.bootstrap, cookie?.seen ?? 0);
  let change: StoreChange | null = null;
  if (next !== null) change = adoptionChange(next, heldOf(stored), options.now());
  else if (stored.deviceId === null) change = { deviceId: randomUuid() };
  if (change === null) return stored;
  await store.commit(change);
  return store.load();
}
