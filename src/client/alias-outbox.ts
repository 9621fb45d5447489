import { ALIAS_RETRY, type RetryPolicy } from '../retry';
import { IdentityError } from '../errors';
import { isTransient } from '../retry';
import type { OutboxEntry, OutboxStore } from '../store/outbox';
import type { AliasRequest, AliasResult, CallContext, IdentityBackend, Logger } from '../types';
import { createDelivery, labelOf } from './outbox-delivery';
import { createOutboxTimer } from './outbox-timer';
import { createSerialQueue } from './serial-queue';
import { randomUuid } from '../uuid';
import { validateAliasRequest } from '../validation/alias';
import { failWith } from '../validation/plain';
import { createWebLock } from './web-lock';

export { MIN_RETRY_MS } from './outbox-delivery';

/**
 * A new entry belongs to the aliasUsers call that wrote it for this long:
 * flushes (in any tab) leave it alone meanwhile, so that it is not sent twice
 * and its caller learns the outcome. Past it, a page that closed between the
 * write and the send has its entry sent by the next flush.
 */
export const FRESH_MS = 60_000;
/** Older entries are dropped with a warning: the service would clamp them to its retention window. */
export const MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;

export interface AliasOutboxOptions {
  store: OutboxStore;
  backend: Pick<IdentityBackend, 'alias'>;
  logger: Logger;
  now: () => number;
  /** names the Web Lock `idsync-outbox:<dbName>`: one sending tab per database */
  dbName: string;
  /** the client's environment, device id and service context, read at each send */
  callContext: () => CallContext;
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
 * outbox store until the backend accepts it (2xx) or refuses it for good
 * (any error `isTransient` says no to), retrying transient failures (network,
 * timeout, 429, 5xx) with backoff, across reloads. Its parts: delivery (one
 * try and its outcome, outbox-delivery.ts) and the timer (outbox-timer.ts).
 *
 * Exactly once, as far as a browser allows: in a tab, every send runs through
 * one serial queue, so no entry is ever in two sends at once; across tabs a
 * Web Lock lets one tab send at a time. An accepted entry is deleted; should
 * the delete fail, this tab remembers it and never sends it again. What stays
 * at-least-once: a page that dies between the backend's 202 and the delete
 * sends that request again later.
 *
 * (One closure, longer than most: its small functions share the outbox's
 * state, the queue, the lock and `closed`; each of them is short.)
 */
export function createAliasOutbox(options: AliasOutboxOptions): AliasOutbox {
  const { store, logger, now } = options;
  const lock = createWebLock(`idsync-outbox:${options.dbName}`);
  const sendQueue = createSerialQueue();
  const delivery = createDelivery({
    ...options,
    policy: options.policy ?? ALIAS_RETRY,
    random: options.random ?? Math.random,
  });
  /** aliasUsers calls of this tab still waiting for their first send */
  const ownSends = new Set<Promise<unknown>>();
  let closed = false;

  const timer = createOutboxTimer({
    store,
    now,
    dueAt: (entry) => {
      if (delivery.isSettled(entry.id)) return Infinity;
      const fresh = entry.attempts === 0 ? entry.createdAt + FRESH_MS : -Infinity;
      return Math.max(entry.nextAttemptAt, fresh);
    },
    onDue: () => background(),
  });

  const flushDue = (force: boolean) => flushEntries(options, delivery, force, () => closed);

  const flush = async (force: boolean): Promise<void> => {
    // A forced flush waits for another tab's; a background one leaves it to that tab.
    await sendQueue(async () => {
      if (!closed) await lock.run(() => flushDue(force), !force);
    });
    await timer.schedule();
    // Entries this tab is sending for aliasUsers are part of "every pending entry".
    if (force) await Promise.allSettled([...ownSends]);
  };

  const background = (): void => {
    if (closed) return;
    flush(false).catch((error: unknown) =>
      logger.error('[idsync] alias outbox flush failed', error),
    );
  };

  /** The first send of a stored entry, by the aliasUsers call that wrote it. */
  const sendOwn = (entry: OutboxEntry): Promise<void> =>
    sendQueue(() =>
      lock.run(async () => {
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
        if (stored) await delivery.attempt(entry);
      }),
    );

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
    const sending = sendOwn(entry);
    ownSends.add(sending);
    try {
      await sending;
      return { httpCode: 202 };
    } catch (error) {
      throw stillQueued(error);
    } finally {
      ownSends.delete(sending);
      if (!closed) void timer.schedule();
    }
  };

  const onOnline = (): void => background();

  return {
    send,
    flush,
    async pendingCount() {
      return (await store.outboxAll()).filter((e) => !delivery.isSettled(e.id)).length;
    },
    start() {
      globalThis.addEventListener?.('online', onOnline);
      background();
    },
    async close() {
      closed = true;
      timer.stop();
      globalThis.removeEventListener?.('online', onOnline);
      // Let a send in progress record its outcome before the store closes.
      await sendQueue(async () => undefined);
    },
  };
}

/** Transient: honest about it (not accepted yet), and the entry stays queued. */
function stillQueued(error: unknown): unknown {
  if (!isTransient(error)) return error;
  const { code, message, httpCode, retryAfterMs } = error as IdentityError;
  return new IdentityError(code, `${message}; the alias request stays queued and will be retried`, {
    httpCode,
    retryAfterMs,
    cause: error,
  });
}

/** One pass over the stored entries: each due one tried once, in age order. */
async function flushEntries(
  options: AliasOutboxOptions,
  delivery: ReturnType<typeof createDelivery>,
  force: boolean,
  isClosed: () => boolean,
): Promise<void> {
  const { store, logger, now } = options;
  for (const entry of await store.outboxAll()) {
    if (isClosed()) return;
    if (delivery.isSettled(entry.id)) {
      await delivery.forget(entry.id); // done with; only its delete failed
      continue;
    }
    const t = now();
    // A fresh entry is being sent by the aliasUsers call that wrote it.
    if (entry.attempts === 0 && t < entry.createdAt + FRESH_MS) continue;
    if (t - entry.createdAt > MAX_AGE_MS) {
      logger.warn(`[idsync] ${labelOf(entry)} pending for over 90 days; dropped`);
      await delivery.forget(entry.id);
      continue;
    }
    if (!force && entry.nextAttemptAt > t) continue;
    // The outcome is in the store (and logged): the flush goes on with the next one.
    await delivery.attempt(entry).catch(() => undefined);
  }
}
