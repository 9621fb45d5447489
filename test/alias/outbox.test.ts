import { IdentityError } from '../../src';
import { ALIAS_RETRY } from '../../src/retry';
import {
  createAliasOutbox,
  FRESH_MS,
  MAX_AGE_MS,
  MIN_RETRY_MS,
} from '../../src/client/alias-outbox';
import { createMemoryOutbox, type OutboxEntry, type OutboxStore } from '../../src/store/outbox';
import type { AliasRequest, CallContext } from '../../src/types';
import { createFakeBackend, fakeClock, identityError, spyLogger } from '../client/fake-backend';
import { aliasCalls, installFakeLocks } from './helpers';

/**
 * Lets every pending promise chain run. The memory store, the fake backend and
 * the fake locks only use promises, so one macrotask is enough: no guessing.
 */
const settle = () => new Promise((r) => setTimeout(r, 0));

const request = (source: string): AliasRequest => ({
  sourceMpid: source,
  destinationMpid: '9999',
  startTime: 0,
  endTime: 10,
});

const CTX: CallContext = { environment: 'development', deviceId: 'device-1', context: null };

/** An outbox store in memory; `close()` makes it refuse writes, as a closed database does. */
function memoryOutbox(): OutboxStore & { close(): Promise<void> } {
  let closed = false;
  return Object.assign(
    createMemoryOutbox(() => closed),
    {
      close: async () => {
        closed = true;
      },
    },
  );
}

function setup(random = () => 0.5) {
  const store = memoryOutbox();
  const backend = createFakeBackend();
  const clock = fakeClock();
  const logger = spyLogger();
  const outbox = createAliasOutbox({
    store,
    backend,
    logger,
    now: clock.now,
    dbName: 'db-under-test',
    callContext: () => CTX,
    random,
  });
  return { store, backend, clock, logger, outbox };
}

/** An entry as a page that closed between writing and sending would leave it. */
const stored = (
  id: string,
  source: string,
  createdAt: number,
  more: Partial<OutboxEntry> = {},
) => ({
  id,
  request: request(source),
  createdAt,
  attempts: 0,
  nextAttemptAt: createdAt,
  ...more,
});

describe('backoff', () => {
  test('grows with each transient failure (ALIAS_RETRY, full jitter), then stays at the cap', async () => {
    const { store, backend, clock, outbox } = setup(() => 0.5);
    backend.failNext(identityError('network'));
    await expect(outbox.send(request('1'))).rejects.toMatchObject({ code: 'network' });
    const waits: number[] = [];
    let [entry] = await store.outboxAll();
    waits.push(entry!.nextAttemptAt - clock.now());
    for (let i = 0; i < 9; i++) {
      clock.advance(entry!.nextAttemptAt - clock.now());
      backend.failNext(identityError('server', 503));
      await outbox.flush(false);
      [entry] = await store.outboxAll();
      waits.push(entry!.nextAttemptAt - clock.now());
    }
    // ceiling min(60 s, 1 s · 2^(n-1)), half of it with random 0.5; from the
    // policy's last step on (attempt 7) the wait no longer grows.
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(entry).toMatchObject({ attempts: 10, lastError: 'server: fake server' });
    expect(ALIAS_RETRY.attempts).toBe(8);
    await outbox.close();
  });

  test('a jitter of zero still waits MIN_RETRY_MS', async () => {
    const { store, backend, clock, outbox } = setup(() => 0);
    backend.failNext(identityError('network'));
    await expect(outbox.send(request('1'))).rejects.toMatchObject({ code: 'network' });
    expect((await store.outboxAll())[0]!.nextAttemptAt - clock.now()).toBe(MIN_RETRY_MS);
    await outbox.close();
  });

  test('a 429 waits at least its Retry-After, even one beyond the policy maximum', async () => {
    const { store, backend, clock, outbox } = setup(() => 0);
    const limited = (ms: number) =>
      new IdentityError('rate_limited', 'slow down', { httpCode: 429, retryAfterMs: ms });
    backend.failNext(limited(5000));
    await expect(outbox.send(request('1'))).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await store.outboxAll())[0]!.nextAttemptAt - clock.now()).toBe(5000);
    backend.failNext(limited(120_000));
    await outbox.flush(true);
    expect((await store.outboxAll())[0]!.nextAttemptAt - clock.now()).toBe(120_000);
    await outbox.close();
  });

  test('a background flush leaves entries that are not due; a forced one sends them', async () => {
    const { backend, clock, outbox } = setup();
    backend.failNext(identityError('network'));
    await expect(outbox.send(request('1'))).rejects.toThrow();
    await outbox.flush(false);
    expect(aliasCalls(backend)).toHaveLength(1);
    clock.advance(499);
    await outbox.flush(false);
    expect(aliasCalls(backend)).toHaveLength(1);
    await outbox.flush(true);
    expect(aliasCalls(backend)).toHaveLength(2);
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.close();
  });
});

describe('delivery', () => {
  test('oldest first', async () => {
    const { store, backend, clock, outbox } = setup();
    const t = clock.now() - FRESH_MS - 1000;
    await store.outboxPut(stored('c', '3', t + 2, { attempts: 1 }));
    await store.outboxPut(stored('a', '1', t, { attempts: 1 }));
    await store.outboxPut(stored('b', '2', t + 1, { attempts: 1 }));
    await outbox.flush(false);
    expect(aliasCalls(backend).map((c) => (c.request as AliasRequest).sourceMpid)).toEqual([
      '1',
      '2',
      '3',
    ]);
    await outbox.close();
  });

  test('an entry whose page closed before sending: left to its writer while fresh, then sent', async () => {
    const { store, backend, clock, outbox } = setup();
    await store.outboxPut(stored('x', '1', clock.now()));
    await outbox.flush(true);
    expect(aliasCalls(backend)).toHaveLength(0);
    clock.advance(FRESH_MS);
    await outbox.flush(false);
    expect(aliasCalls(backend)).toHaveLength(1);
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.close();
  });

  test('entries older than 90 days are dropped with a warning, not sent', async () => {
    const { store, backend, clock, logger, outbox } = setup();
    await store.outboxPut(stored('old', '1', clock.now() - MAX_AGE_MS - 1, { attempts: 3 }));
    await store.outboxPut(stored('ok', '2', clock.now() - MAX_AGE_MS + 1, { attempts: 3 }));
    await outbox.flush(true);
    expect(aliasCalls(backend).map((c) => (c.request as AliasRequest).sourceMpid)).toEqual(['2']);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('90 days'));
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.close();
  });

  test('a permanent refusal during a flush drops that entry and goes on with the next', async () => {
    const { store, backend, clock, outbox } = setup();
    const t = clock.now() - FRESH_MS;
    await store.outboxPut(stored('a', '1', t, { attempts: 2 }));
    await store.outboxPut(stored('b', '2', t + 1, { attempts: 2 }));
    backend.failNext(identityError('forbidden', 403));
    await outbox.flush(false);
    expect(aliasCalls(backend)).toHaveLength(2);
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.close();
  });

  test('nothing is sent when the entry cannot be stored first', async () => {
    const { store, backend, outbox } = setup();
    await store.close(); // the memory store now refuses writes
    await expect(outbox.send(request('1'))).rejects.toMatchObject({ code: 'storage' });
    expect(aliasCalls(backend)).toHaveLength(0);
    await outbox.close();
  });

  test('accepted but the delete fails: 202, and this tab never sends it again', async () => {
    const { store, backend, logger, outbox } = setup();
    const deleting = jest.spyOn(store, 'outboxDelete');
    deleting.mockRejectedValueOnce(new IdentityError('storage', 'disk gone'));
    await expect(outbox.send(request('1'))).resolves.toEqual({ httpCode: 202 });
    expect(logger.error).toHaveBeenCalled();
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.flush(true); // retries the delete only
    expect(aliasCalls(backend)).toHaveLength(1);
    expect(await store.outboxAll()).toEqual([]);
    await outbox.close();
  });
});

describe('mutual exclusion', () => {
  test('concurrent flushes never send an entry twice', async () => {
    const { store, backend, clock, outbox } = setup();
    const t = clock.now() - FRESH_MS;
    await store.outboxPut(stored('a', '1', t, { attempts: 1 }));
    await store.outboxPut(stored('b', '2', t + 1, { attempts: 1 }));
    const release = backend.holdNext();
    const flushes = [outbox.flush(true), outbox.flush(false), outbox.flush(true)];
    await settle();
    expect(aliasCalls(backend)).toHaveLength(1);
    release();
    await Promise.all(flushes);
    expect(aliasCalls(backend).map((c) => (c.request as AliasRequest).sourceMpid)).toEqual([
      '1',
      '2',
    ]);
    await outbox.close();
  });

  test('a forced flush during a first send does not send it again, and waits for it', async () => {
    const { backend, outbox } = setup();
    const release = backend.holdNext();
    const sending = outbox.send(request('1'));
    await settle();
    let flushed = false;
    const flushing = outbox.flush(true).then(() => (flushed = true));
    await settle();
    expect(flushed).toBe(false);
    release();
    await expect(sending).resolves.toEqual({ httpCode: 202 });
    await flushing;
    expect(aliasCalls(backend)).toHaveLength(1);
    await outbox.close();
  });

  describe('across tabs (Web Locks)', () => {
    let locks: ReturnType<typeof installFakeLocks>;
    beforeEach(() => (locks = installFakeLocks()));
    afterEach(() => locks.uninstall());

    test('a background flush leaves the work to the tab holding the lock; a forced one waits', async () => {
      const { store, backend, clock, outbox } = setup();
      await store.outboxPut(stored('a', '1', clock.now() - FRESH_MS, { attempts: 1 }));
      const releaseOther = locks.holdElsewhere('idsync-outbox:db-under-test');
      await outbox.flush(false);
      expect(aliasCalls(backend)).toHaveLength(0);
      const forced = outbox.flush(true);
      await settle();
      expect(aliasCalls(backend)).toHaveLength(0);
      releaseOther();
      await forced;
      expect(aliasCalls(backend)).toHaveLength(1);
      expect(locks.requested.every((name) => name === 'idsync-outbox:db-under-test')).toBe(true);
      await outbox.close();
    });

    test('a first send waits for another tab’s flush, then sends', async () => {
      const { backend, outbox } = setup();
      const releaseOther = locks.holdElsewhere('idsync-outbox:db-under-test');
      const sending = outbox.send(request('1'));
      await settle();
      expect(aliasCalls(backend)).toHaveLength(0);
      expect(await outbox.pendingCount()).toBe(1); // already stored
      releaseOther();
      await expect(sending).resolves.toEqual({ httpCode: 202 });
      expect(aliasCalls(backend)).toHaveLength(1);
      await outbox.close();
    });
  });
});

describe('timers and events', () => {
  afterEach(() => jest.useRealTimers());

  test('a transient failure is retried by the timer when due', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const store = memoryOutbox();
    const backend = createFakeBackend();
    const outbox = createAliasOutbox({
      store,
      backend,
      logger: spyLogger(),
      now: Date.now,
      dbName: 'timers',
      callContext: () => CTX,
      random: () => 0.5,
    });
    backend.failNext(identityError('timeout'));
    await expect(outbox.send(request('1'))).rejects.toMatchObject({ code: 'timeout' });
    await jest.advanceTimersByTimeAsync(499);
    expect(aliasCalls(backend)).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(aliasCalls(backend)).toHaveLength(2);
    expect(await outbox.pendingCount()).toBe(0);
    await outbox.close();
  });

  test('close clears the timer: nothing is sent afterwards', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const store = memoryOutbox();
    const backend = createFakeBackend();
    const outbox = createAliasOutbox({
      store,
      backend,
      logger: spyLogger(),
      now: Date.now,
      dbName: 'timers',
      callContext: () => CTX,
    });
    backend.failNext(identityError('network'));
    await expect(outbox.send(request('1'))).rejects.toThrow();
    await outbox.close();
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(aliasCalls(backend)).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('start flushes in the background, and again when the browser comes back online', async () => {
    const { store, backend, clock, outbox } = setup();
    await store.outboxPut(stored('a', '1', clock.now() - FRESH_MS, { attempts: 1 }));
    const sent = new Promise<void>((resolve) => {
      const alias = backend.alias.bind(backend);
      backend.alias = (req) => {
        resolve();
        return alias(req);
      };
    });
    outbox.start();
    await sent;
    await outbox.flush(false); // queued behind the start-up flush: waits for it
    expect(aliasCalls(backend)).toHaveLength(1);

    backend.failNext(identityError('network'));
    await expect(outbox.send(request('2'))).rejects.toThrow();
    clock.advance(60_000);
    window.dispatchEvent(new Event('online'));
    await outbox.flush(false);
    expect(aliasCalls(backend)).toHaveLength(3);
    expect(await outbox.pendingCount()).toBe(0);

    await outbox.close();
    backend.failNext(identityError('network'));
    await store.outboxPut(stored('b', '3', clock.now() - FRESH_MS, { attempts: 1 }));
    window.dispatchEvent(new Event('online'));
    await settle();
    expect(aliasCalls(backend)).toHaveLength(3); // closed: the listener is gone
  });
});
