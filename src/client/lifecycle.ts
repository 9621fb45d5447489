import { IdentityError } from '../errors';
import type { ClientStores } from '../store/stores';
import { randomUuid } from '../uuid';
import type { Committer } from './committer';
import type { ClientOptions } from './options';

/**
 * `reset()` and `persist()`: what a client does once in its life, if ever,
 * loaded on first use so that the start-up bundle leaves it out.
 */
export interface LifecycleParts {
  options: ClientOptions;
  stores: ClientStores;
  committer: Committer;
  ensureOpen(): void;
}

/**
 * One committed change that says it is a reset (`reset: true`, and the new
 * `deviceId` when asked). Runs in the identity calls' turn: calls made before
 * it have settled, calls made after it start from no user.
 */
export async function reset(parts: LifecycleParts, renewDevice: boolean): Promise<void> {
  const { committer, ensureOpen } = parts;
  await committer.exclusive(async () => {
    ensureOpen();
    await committer.commit(renewDevice ? { reset: true, deviceId: randomUuid() } : { reset: true });
  });
}

/**
 * Moves a client kept in memory to IndexedDB: everything it holds (device,
 * users, context, and the alias requests still queued) in one transaction,
 * after which it runs on IndexedDB and shares it with the other tabs. Runs in
 * the identity calls' turn, so no call is half-way across the move.
 */
export async function persist(parts: LifecycleParts): Promise<void> {
  const { options, stores, committer, ensureOpen } = parts;
  await committer.exclusive(async () => {
    ensureOpen();
    if (committer.storage === 'indexeddb') return; // an earlier call did it
    await committer.switchStore(async (held) => {
      const { dbName, logger, maxUsers } = options;
      const { openIdbStores } = await import('../store/open-store');
      const next = await openIdbStores(dbName, logger, undefined, maxUsers).catch(
        (cause: unknown) => {
          throw new IdentityError('storage', `could not open IndexedDB "${dbName}"`, { cause });
        },
      );
      try {
        const outbox = await stores.outbox.outboxAll();
        const committed = await next.client.absorb!({ ...held, outbox });
        // The alias outbox holds this object: from now on its methods reach IndexedDB.
        Object.assign(stores.outbox, next.outbox);
        return { store: next.client, committed };
      } catch (error) {
        await next.client.close();
        throw error;
      }
    });
  });
}
