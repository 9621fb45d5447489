import { IdentityError } from '../errors';
import { isTransient } from '../retry';
import { delayFor, type RetryPolicy } from '../retry';
import type { OutboxEntry, OutboxStore } from '../store/outbox';
import type { CallContext, IdentityBackend, Logger } from '../types';
import { callBackend } from './backend-call';

/** Full jitter may draw ~0: never retry sooner than this (no hot loop against a failing backend). */
export const MIN_RETRY_MS = 100;

export interface DeliveryOptions {
  store: OutboxStore;
  backend: Pick<IdentityBackend, 'alias'>;
  logger: Logger;
  now: () => number;
  policy: Readonly<RetryPolicy>;
  random: () => number;
  /** the client's environment, device id and service context, read at each send */
  callContext: () => CallContext;
}

/**
 * Sending one outbox entry and recording its outcome: deleted once accepted or
 * refused for good, its retry written back after a transient failure. An entry
 * whose delete failed is remembered here and never sent again by this tab.
 */
export interface Delivery {
  /** One try; its outcome is in the store before this settles. Rejects with the backend's error. */
  attempt(entry: OutboxEntry): Promise<void>;
  /** Done with (accepted, refused, or too old): delete it, or remember it when the delete fails. */
  forget(id: string): Promise<void>;
  /** accepted or refused for good, but its delete failed */
  isSettled(id: string): boolean;
}

export const labelOf = (entry: OutboxEntry): string =>
  `alias ${entry.request.sourceMpid} → ${entry.request.destinationMpid}`;

/**
 * (One closure: `settled` is shared by its three small functions.)
 */
export function createDelivery(options: DeliveryOptions): Delivery {
  const { store, backend, logger, now, policy, random } = options;
  const settled = new Set<string>();

  const forget = async (id: string): Promise<void> => {
    settled.add(id);
    try {
      await store.outboxDelete(id);
      settled.delete(id);
    } catch (error) {
      logger.error('[idsync] could not remove a settled alias request from the outbox', error);
    }
  };

  /** Backoff after `attempts` transient failures; keeps retrying at the policy's last step. */
  const backoff = (attempts: number, error: IdentityError): number => {
    const step = Math.max(1, Math.min(attempts, policy.attempts - 1));
    // undefined when the policy gives up on this error (a Retry-After beyond
    // maxDelayMs, a one-try policy): the outbox never does, it waits longer.
    const delay =
      delayFor(policy, step, error, random) ?? Math.max(error.retryAfterMs ?? 0, policy.maxDelayMs);
    return Math.max(MIN_RETRY_MS, delay);
  };

  /** A transient failure: the entry stays, due again after its backoff. */
  const recordRetry = async (entry: OutboxEntry, error: IdentityError): Promise<void> => {
    const attempts = entry.attempts + 1;
    const next: OutboxEntry = {
      ...entry,
      attempts,
      nextAttemptAt: now() + backoff(attempts, error),
      lastError: `${error.code}: ${error.message}`,
    };
    logger.debug(`[idsync] ${labelOf(entry)} failed (${error.code}); retry queued`, next);
    try {
      await store.outboxPut(next);
    } catch (storeError) {
      // The entry stays stored as it was: still pending, retried sooner.
      logger.error('[idsync] could not record an alias retry in the outbox', storeError);
    }
  };

  return {
    async attempt(entry) {
      try {
        await callBackend(() => backend.alias(entry.request, options.callContext()));
      } catch (caught) {
        const error = caught as IdentityError; // callBackend only throws IdentityErrors
        if (isTransient(error)) {
          await recordRetry(entry, error);
        } else {
          logger.warn(`[idsync] ${labelOf(entry)} refused (${error.code}); dropped`, error);
          await forget(entry.id);
        }
        throw error;
      }
      await forget(entry.id);
    },
    forget,
    isSettled: (id) => settled.has(id),
  };
}
