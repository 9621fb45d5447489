import type { AliasOutbox, AliasOutboxOptions } from './alias-outbox';

/**
 * The alias outbox is code that most page loads never run: it is loaded on
 * first need, an alias call or entries an earlier page left pending, so that
 * the start-up bundle stays small. Until then its questions are answered
 * from the store alone.
 */
export function lazyAliasOutbox(options: AliasOutboxOptions): AliasOutbox {
  const { store, logger } = options;
  let loading: Promise<AliasOutbox> | undefined;
  let closed = false;

  const load = (): Promise<AliasOutbox> =>
    (loading ??= import('./alias-outbox').then(({ createAliasOutbox }) => {
      const outbox = createAliasOutbox(options);
      if (!closed) outbox.start();
      return outbox;
    }));

  const hasPending = async (): Promise<boolean> => (await store.outboxAll()).length > 0;

  return {
    send: async (request) => (await load()).send(request),
    async flush(force) {
      if (loading !== undefined || (await hasPending())) await (await load()).flush(force);
    },
    async pendingCount() {
      return loading === undefined
        ? (await store.outboxAll()).length
        : (await loading).pendingCount();
    },
    start() {
      // In the background: start-up waits for no alias send, nor for this read.
      hasPending().then(
        (pending) => {
          if (pending && !closed) void load();
        },
        (error: unknown) => logger.warn('[idsync] could not read the alias outbox', error),
      );
    },
    async close() {
      closed = true;
      if (loading !== undefined) await (await loading).close();
    },
  };
}
