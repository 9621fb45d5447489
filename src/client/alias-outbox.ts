import { ALIAS_RETRY, delayFor, type RetryPolicy } from '../retry';
import { IdentityError, isTransient } from '../errors';
import type { OutboxEntry, OutboxStore } from '../store/outbox';
import type { AliasRequest, AliasResult, IdentityBackend, Logger } from '../types';
import { callBackend } from './backend-call';
import { createSerialQueue } from './serial-queue';
import { randomUuid } from '../uuid';
import { validateAliasRequest } from '../validation/alias';
import { failWith } from '../validation/plain';

/**
 * A new entry belongs to the aliasUsers call that wrote it for this long:
 * flushes (in any tab) leave it alone meanwhile, so that it is not sent twice
 * and its caller learns the outcome. Past it, a page that closed between the
 * write and the send has its entry sent by the next flush.
 */
export const FRESH_MS = 60_000;
/** Older entries are dropped with a warning: the service would clamp them to its retention window. */
export const MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
/** Full jitter may draw ~0: never retry sooner than this (no hot loop against a failing backend). */
export const MIN_RETRY_MS = 100;
/** setTimeout's ceiling (2^31 - 1 ms); a later due time is reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface AliasOutboxOptions {
  store: OutboxStore;
  backend: Pick<IdentityBackend, 'alias'>;
  logger: Logger;
  now: () => number;
  /** names the Web Lock `idsync-outbox:<dbName>`: one sending tab per database */
  dbName: string;
  /** backoff between tries; no attempt limit here, the wait stops growing at the policy's last step */
  policy?: Readonly<RetryPolicy>;
  /** jitter source, for tests */
  random?: () => number;
}

export interface AliasOutbox {
  /**
   * Writes the request to the outbox, then sends it at once. Resolves
   * `{ httpCode: 202 }` when accepted; rejects with the backend's error when
   * refused for good (entry dropped) or, for a transient failure, with that
   * error saying the request stays queued (entry kept, retried with backoff).
   * An invalid request rejects with `bad_request` (400): nothing stored or sent.
   */
  send(request: AliasRequest): Promise<AliasResult>;
  /** Tries the entries that are due now (`force`: all of them, backoff ignored). */
  flush(force: boolean): Promise<void>;
  pendingCount(): Promise<number>;
  /** Background flush at start-up and whenever the browser comes back online. */
  start(): void;
  /** Stops timers and listeners, waits for a send in progress; queued entries stay stored. */
  close(): Promise<void>;
}

/**
 * Alias requests are fire-and-forget for the app: this keeps each one in the
 * client's store until the backend accepts it (2xx) or refuses it for good
 * (any error `isTransient` says no to), retrying transient failures (network,
 * timeout, 429, 5xx) with backoff, across reloads.
 *
 * Exactly once, as far as a browser allows: in a tab, every send runs through
 * one serial queue, so no entry is ever in two sends at once; across tabs a
 * Web Lock (where `navigator.locks` exists) lets one tab send at a time. An
 * accepted entry is deleted; should the delete fail, this tab remembers it
 * and never sends it again. What stays at-least-once: a page that dies
 * between the backend's 202 and the delete sends that request again later.
 */
export function createAliasOutbox(options: AliasOutboxOptions): AliasOutbox {
  const { store, backend, logger, now, policy = ALIAS_RETRY, random = Math.random } = options;
  const lockName = `idsync-outbox:${options.dbName}`;
  const sendQueue = createSerialQueue();
  const scheduleQueue = createSerialQueue();
  /** accepted or refused for good, but the delete failed: never send again */
  const settled = new Set<string>();
  /** aliasUsers calls of this tab still waiting for their first send */
  const ownSends = new Set<Promise<unknown>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const labelOf = (entry: OutboxEntry): string =>
    `alias ${entry.request.sourceMpid} → ${entry.request.destinationMpid}`;

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

  /** One try at one entry; its outcome is written to the store before this settles. */
  const attempt = async (entry: OutboxEntry): Promise<void> => {
    try {
      await callBackend(() => backend.alias(entry.request));
    } catch (caught) {
      const error = caught as IdentityError; // callBackend only throws IdentityErrors
      if (!isTransient(error)) {
        logger.warn(`[idsync] ${labelOf(entry)} refused (${error.code}); dropped`, error);
        await forget(entry.id);
        throw error;
      }
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
      throw error;
    }
    await forget(entry.id);
  };

  /** Runs `task` holding the cross-tab lock; `undefined` when another tab holds it and `ifAvailable`. */
  const withTabLock = async <T>(ifAvailable: boolean, task: () => Promise<T>) => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (locks === undefined || typeof locks.request !== 'function') return task();
    let result: T | undefined;
    await locks.request(lockName, { ifAvailable }, async (lock) => {
      if (lock !== null) result = await task();
    });
    return result;
  };

  /** One timer, for the earliest moment an entry becomes sendable (re-armed in order: last read wins). */
  const schedule = (): Promise<void> => scheduleQueue(armTimer);
  const armTimer = async (): Promise<void> => {
    let entries: OutboxEntry[];
    try {
      entries = await store.outboxAll();
    } catch {
      return; // nothing readable to schedule; the next call or start-up tries again
    }
    let due = Infinity;
    for (const entry of entries) {
      if (settled.has(entry.id)) continue;
      const fresh = entry.attempts === 0 ? entry.createdAt + FRESH_MS : -Infinity;
      due = Math.min(due, Math.max(entry.nextAttemptAt, fresh));
    }
    clearTimeout(timer);
    timer = undefined;
    if (closed || due === Infinity) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        background();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, due - now())),
    );
  };

  const flushDue = async (force: boolean): Promise<void> => {
    for (const entry of await store.outboxAll()) {
      if (closed) return;
      if (settled.has(entry.id)) {
        await forget(entry.id); // done with; only its delete failed
        continue;
      }
      const t = now();
      // A fresh entry is being sent by the aliasUsers call that wrote it.
      if (entry.attempts === 0 && t < entry.createdAt + FRESH_MS) continue;
      if (t - entry.createdAt > MAX_AGE_MS) {
        logger.warn(`[idsync] ${labelOf(entry)} pending for over 90 days; dropped`);
        await forget(entry.id);
        continue;
      }
      if (!force && entry.nextAttemptAt > t) continue;
      // The outcome is in the store (and logged): the flush goes on with the next one.
      await attempt(entry).catch(() => undefined);
    }
  };

  const flush = async (force: boolean): Promise<void> => {
    // A forced flush waits for another tab's; a background one leaves it to that tab.
    await sendQueue(async () => {
      if (!closed) await withTabLock(!force, () => flushDue(force));
    });
    await schedule();
    // Entries this tab is sending for aliasUsers are part of "every pending entry".
    if (force) await Promise.allSettled([...ownSends]);
  };

  const background = (): void => {
    if (closed) return;
    flush(false).catch((error: unknown) =>
      logger.error('[idsync] alias outbox flush failed', error),
    );
  };

  const send = async (input: AliasRequest): Promise<AliasResult> => {
    // Invalid: the caller's 400, before anything is stored or sent.
    const request = validateAliasRequest(input, failWith('bad_request'));
    const t = now();
    const entry: OutboxEntry = {
      id: randomUuid(),
      request,
      createdAt: t,
      attempts: 0,
      nextAttemptAt: t,
    };
    // Stored before the first send: a page closing from here on loses nothing.
    await store.outboxPut(entry);
    const sending = sendQueue(() =>
      withTabLock(false, async () => {
        if (closed) {
          throw new IdentityError(
            'closed',
            'client closed before sending; the alias request stays queued',
          );
        }
        // Gone only if we waited for the lock past FRESH_MS and another tab's
        // flush took it: sent once, by that tab, which logs a refusal. Not
        // sent again here; reported as accepted.
        const stored = (await store.outboxAll()).some((e) => e.id === entry.id);
        if (stored) await attempt(entry);
      }),
    );
    ownSends.add(sending);
    try {
      await sending;
      return { httpCode: 202 };
    } catch (error) {
      // Transient: honest about it (not accepted yet), and the entry stays queued.
      if (!isTransient(error)) throw error;
      const { code, message, httpCode, retryAfterMs } = error as IdentityError;
      throw new IdentityError(
        code,
        `${message}; the alias request stays queued and will be retried`,
        { httpCode, retryAfterMs, cause: error },
      );
    } finally {
      ownSends.delete(sending);
      if (!closed) void schedule();
    }
  };

  const onOnline = (): void => background();

  return {
    send,
    flush,
    async pendingCount() {
      return (await store.outboxAll()).filter((e) => !settled.has(e.id)).length;
    },
    start() {
      globalThis.addEventListener?.('online', onOnline);
      background();
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      globalThis.removeEventListener?.('online', onOnline);
      // Let a send in progress record its outcome before the store closes.
      await sendQueue(async () => undefined);
    },
  };
}
