import { lazy } from '../lazy';
import type { AliasOutbox, AliasOutboxOptions } from './alias-outbox';

/**
 * The alias outbox is code that most page loads never run: it is loaded on
 * first need, an alias call or entries an earlier page left pending, so that
 * the start-up bundle stays small. Until then its questions are answered
 * from the store alone.
 */
export function lazyAliasOutbox(options: AliasOutboxOptions): AliasOutbox {
  const { store, logger } = options;
  let ready: AliasOutbox | undefined;
  let closed = false;

  const load = lazy(() =>
    import('./alias-outbox').then(({ createAliasOutbox }) => {
      const outbox = createAliasOutbox(options);
      if (!closed) outbox.start();
      return (ready = outbox);
    }),
  );

  const hasPending = async (): Promise<boolean> => (await store.outboxAll()).length > 0;

  return {
    send: async (request) => (await load()).send(request),
    async flush(force) {
      if (ready !== undefined || (await hasPending())) await (await load()).flush(force);
    },
    async pendingCount() {
      return ready === undefined ? (await store.outboxAll()).length : ready.pendingCount();
    },
    start() {
      // In the background: start-up waits for no alias send, nor for this read.
      const warn = (error: unknown) =>
        logger.warn('[idsync] could not read the alias outbox', error);
      hasPending().then((pending) => {
        if (pending && !closed) load().catch(warn);
      }, warn);
    },
    async close() {
      closed = true;
      await ready?.close();
    },
  };
}
