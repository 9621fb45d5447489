import { IdentityError } from '../errors';
import type { ClientStores } from '../store/stores';
import type { ResetOptions, UserChangeEvent } from '../types';
import { randomUuid } from '../uuid';
import { failWith, isPlainObject, type Fail } from '../validation/plain';
import type { Committer } from './committer';
import type { IdentityCalls } from './identity-calls';
import type { ClientOptions } from './options';

const invalid: Fail = failWith('validation');

/**
 * `reset()` and `persist()`: what a client does once in its life, if ever,
 * loaded on first use so that the start-up bundle leaves it out.
 */
export interface LifecycleParts {
  options: ClientOptions;
  stores: ClientStores;
  committer: Committer;
  calls: IdentityCalls;
  ensureOpen(): void;
  notify(event: UserChangeEvent): void;
}

/**
 * One committed change that says it is a reset (`reset: true`, and the new
 * `deviceId` when asked), in the identity calls' order: calls made before it
 * settle first, calls made after it start from no user.
 */
export async function reset(parts: LifecycleParts, input?: unknown): Promise<void> {
  const { committer, calls, ensureOpen } = parts;
  ensureOpen();
  const options = validateResetOptions(input);
  await calls.inTurn(() =>
    committer.exclusive(async () => {
      ensureOpen();
      await committer.commit(
        options.deviceId === true ? { reset: true, deviceId: randomUuid() } : { reset: true },
      );
    }),
  );
}

function validateResetOptions(input: unknown): ResetOptions {
  if (input === undefined) return {};
  if (!isPlainObject(input)) invalid('reset options must be an object');
  for (const key of Object.keys(input)) {
    if (key !== 'deviceId') invalid(`reset options.${key}: unknown field`);
  }
  if (input.deviceId !== undefined && typeof input.deviceId !== 'boolean') {
    invalid('reset options.deviceId must be a boolean');
  }
  return { deviceId: input.deviceId === true };
}

/**
 * Moves a client kept in memory to IndexedDB: everything it holds (device,
 * users, context, and the alias requests still queued) in one transaction,
 * after which it runs on IndexedDB and shares it with the other tabs.
 */
export async function persist(parts: LifecycleParts): Promise<void> {
  const { options, stores, committer, calls, ensureOpen } = parts;
  await calls.inTurn(() =>
    committer.exclusive(async () => {
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
    }),
  );
}
