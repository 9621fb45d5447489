import { lazy } from '../lazy';
import type { ClientStore, StoredState } from '../store/client-store';
import type { IdentityOptions } from '../types';
import { validateBootstrap } from '../validation/bootstrap';
import { adoptionChange, heldOf, planStart, storedIdentity } from './adopt';
import type { Committer } from './committer';
import type { CookieMirror } from './cookie-mirror';
import type { Listeners } from './listeners';
import type { ClientOptions } from './options';
import type { UserCache } from './user-cache';

/**
 * The `cookie` and `bootstrap` options at work (docs: README "Subdomains,
 * Safari and server-side rendering"). The client's core loads this chunk
 * only when one of them is given, and this chunk loads the cookie's own code
 * (cookie-mirror.ts, src/cookie/) only when `cookie` is; without them none
 * of it is fetched.
 */
export interface CookieAndBootstrap {
  /**
   * Start-up's state, in the start-up order: `bootstrap` for what it names;
   * otherwise the newer of IndexedDB and the identity cookie; otherwise what
   * is stored. Whatever is adopted is committed before this resolves, and
   * nothing is sent.
   */
  start(store: ClientStore): Promise<StoredState>;
  /** Once the client's parts exist: the cookie follows the committer from then on. */
  attach(committer: Committer, cache: UserCache, events: Listeners): void;
}

const loadMirror = lazy(() => import('./cookie-mirror'));

/**
 * Checks `cookie` and `bootstrap` (IdentityError 'validation' naming the
 * field) before createIdentity opens anything.
 */
export async function prepare(
  input: IdentityOptions,
  options: ClientOptions,
): Promise<CookieAndBootstrap> {
  const bootstrap = input.bootstrap === undefined ? null : validateBootstrap(input.bootstrap);
  const { cookie = false } = input;
  const mirror: CookieMirror | null =
    cookie === false
      ? null
      : (await loadMirror()).createCookieMirror(
          cookie,
          // Persistent by choice (IndexedDB asked for, even if it then falls back to memory).
          options.storage === 'indexeddb',
          options.logger,
        );
  let revision = 0;
  return {
    async start(store) {
      let stored = await store.load();
      const local = storedIdentity(stored);
      const fromCookie = mirror === null ? null : mirror.adoptable(local);
      const next = planStart(local, fromCookie, bootstrap, mirror?.seen ?? 0);
      if (next !== null) {
        await store.commit(adoptionChange(next, heldOf(stored), options.now()));
        stored = await store.load();
      }
      revision = stored.identityRevision;
      return stored;
    },
    attach(committer, cache, events) {
      mirror?.attach({ committer, cache, events, now: options.now, revision });
    },
  };
}
