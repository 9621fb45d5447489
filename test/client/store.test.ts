import { createIdentity } from '../../src';
import { DB_VERSION } from '../../src/store/idb-schema';
import { createMemoryStore } from '../../src/store/memory-store';
import { openClientStores, openIdbStores } from '../../src/store/open-store';
import type { UserRecord } from '../../src/store/client-store';
import { createFakeBackend, freshDbName, spyLogger } from './fake-backend';

const record = (mpid: string, more: Partial<UserRecord> = {}): UserRecord => ({
  mpid,
  identities: { email: `${mpid}@x.y` },
  attributes: { tags: ['a'] },
  consent: {},
  isLoggedIn: false,
  firstSeen: 1,
  lastSeen: 2,
  ...more,
});

/** Replaces the global indexedDB for one test. */
function withIndexedDB(value: unknown): () => void {
  const saved = globalThis.indexedDB;
  Object.defineProperty(globalThis, 'indexedDB', { value, configurable: true, writable: true });
  return () =>
    Object.defineProperty(globalThis, 'indexedDB', {
      value: saved,
      configurable: true,
      writable: true,
    });
}

describe('IndexedDB unavailable: the same client over memory, with one warning', () => {
  const unavailable: [string, () => unknown][] = [
    ['indexedDB missing', () => undefined],
    [
      'open throws (SecurityError)',
      () => ({
        open() {
          throw new DOMException('denied', 'SecurityError');
        },
      }),
    ],
  ];
  test.each(unavailable)('%s', async (_name, make) => {
    const restore = withIndexedDB(make());
    try {
      const logger = spyLogger();
      const backend = createFakeBackend();
      const client = await createIdentity({ backend, dbName: freshDbName(), logger });
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(client.currentUser!.mpid).toBe('1001');
      await client.currentUser!.setAttribute('a', 1);
      await client.login({ userIdentities: { customerid: 'C' } });
      expect(client.getUsers()).toHaveLength(2);
      await client.close();
    } finally {
      restore();
    }
  });

  test('a database of a newer version (open fails with VersionError)', async () => {
    const dbName = freshDbName();
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(dbName, DB_VERSION + 1);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const logger = spyLogger();
    const { client: store } = await openClientStores({ storage: 'indexeddb', dbName, logger });
    expect(store.capabilities.sharedAcrossTabs).toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  test('an open that stays blocked falls back after the timeout', async () => {
    jest.useFakeTimers();
    // An open request that never answers, like one blocked by another tab.
    const restore = withIndexedDB({ open: () => ({}) });
    try {
      const logger = spyLogger();
      const opening = openClientStores({
        storage: 'indexeddb',
        dbName: 'x',
        logger,
        openTimeoutMs: 50,
      });
      await jest.advanceTimersByTimeAsync(50);
      const { client: store } = await opening;
      expect(store.capabilities.sharedAcrossTabs).toBe(false);
      expect(logger.warn).toHaveBeenCalledTimes(1);
    } finally {
      restore();
      jest.useRealTimers();
    }
  });

  test("storage: 'memory' uses memory outright, without a warning, and keeps nothing", async () => {
    const dbName = freshDbName();
    const logger = spyLogger();
    const first = await createIdentity({
      backend: createFakeBackend(),
      dbName,
      logger,
      storage: 'memory',
    });
    expect(logger.warn).not.toHaveBeenCalled();
    await first.close();
    const backend = createFakeBackend();
    const second = await createIdentity({ backend, dbName, logger, storage: 'memory' });
    expect(backend.calls).toHaveLength(1); // nothing was stored: identify on init again
    expect(second.deviceId).not.toBe(first.deviceId);
    await second.close();
    const databases = await indexedDB.databases();
    expect(databases.map((d) => d.name)).not.toContain(dbName);
  });

  test("storage: 'indexeddb' opens IndexedDB when it can", async () => {
    const logger = spyLogger();
    const stores = await openClientStores({ storage: 'indexeddb', dbName: freshDbName(), logger });
    const store = stores.client;
    expect(store.capabilities.sharedAcrossTabs).toBe(true);
    expect(logger.warn).not.toHaveBeenCalled();
    await store.close();
  });
});

describe('IndexedDB store', () => {
  test('a fresh database loads empty; commits upsert by mpid', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger());
    expect(await store.load()).toEqual({
      revision: 0,
      deviceId: null,
      currentMpid: null,
      context: null,
      identityRevision: 0,
      users: [],
    });
    await store.commit({ deviceId: 'd', currentMpid: '1', put: [record('1'), record('2')] });
    await store.commit({ put: [record('1', { lastSeen: 9 })] });
    const state = await store.load();
    expect(state.deviceId).toBe('d');
    expect(state.currentMpid).toBe('1');
    expect(state.users).toEqual([record('1', { lastSeen: 9 }), record('2')]);
    await store.close();
  });

  test('the identity revision persists, and a reset to another device takes its user in the same commit (IndexedDB and memory alike)', async () => {
    const idb = (await openIdbStores(freshDbName(), spyLogger())).client;
    for (const store of [idb, createMemoryStore()]) {
      await store.commit({ deviceId: 'd1', currentMpid: '1', put: [record('1')] });
      expect((await store.load()).identityRevision).toBe(0);
      await store.commit({ identityRevision: 3 });
      expect((await store.load()).identityRevision).toBe(3);
      // What adopting another device's state commits: a reset to it, then its user.
      await store.commit({
        reset: true,
        deviceId: 'd2',
        identityRevision: 7,
        currentMpid: '2',
        put: [record('2')],
      });
      const state = await store.load();
      expect(state).toMatchObject({ deviceId: 'd2', identityRevision: 7, currentMpid: '2' });
      expect(state.users.map((u) => u.mpid)).toEqual(['2']);
      await store.close();
    }
  });

  test('a commit is all or nothing', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger());
    await store.commit({ currentMpid: '1', put: [record('1')] });
    const before = await store.load();
    // A record without its key path makes the second put fail (DataError).
    const broken = { ...record('3'), mpid: undefined } as unknown as UserRecord;
    await expect(
      store.commit({ currentMpid: '2', put: [record('2'), broken] }),
    ).rejects.toMatchObject({ code: 'storage' });
    expect(await store.load()).toEqual(before);
    await store.close();
  });

  test('another tab upgrading: we close at once (logged); the reopen fails, so memory (one more warning)', async () => {
    const dbName = freshDbName();
    const logger = spyLogger();
    const { client: store } = await openIdbStores(dbName, logger);
    const fellBack = jest.fn();
    store.onFallback(fellBack);
    await store.commit({ deviceId: 'd', currentMpid: '1', put: [record('1')] });
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(dbName, DB_VERSION + 1);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('the upgrade was blocked'));
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(fellBack).not.toHaveBeenCalled();
    // Our version is now too old to reopen: the store carries on in memory.
    await store.commit({ currentMpid: '2', put: [record('2')] });
    expect(fellBack).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(await store.load()).toEqual({
      revision: 1,
      deviceId: null,
      currentMpid: '2',
      context: null,
      identityRevision: 0,
      users: [record('2')],
    });
    await store.commit({ currentMpid: '3' });
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(fellBack).toHaveBeenCalledTimes(1);
    await store.close();
  });
});

describe('memory store', () => {
  test('copies in and out: callers cannot change what it holds', async () => {
    const store = createMemoryStore();
    const mine = record('1');
    await store.commit({ deviceId: 'd', currentMpid: '1', put: [mine] });
    (mine.attributes.tags as string[]).push('changed');
    const loaded = await store.load();
    expect(loaded.users[0]!.attributes.tags).toEqual(['a']);
    (loaded.users[0]!.attributes.tags as string[]).push('changed');
    expect((await store.load()).users[0]!.attributes.tags).toEqual(['a']);
    expect(loaded).toMatchObject({ deviceId: 'd', currentMpid: '1' });
  });
});
