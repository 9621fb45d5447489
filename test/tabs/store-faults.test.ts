import { createIdentity } from '../../src';
import { DB_VERSION } from '../../src/store/idb-schema';
import { createMemoryStore } from '../../src/store/memory-store';
import { openClientStores, openIdbStores } from '../../src/store/open-store';
import type { UserRecord } from '../../src/store/client-store';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { installFakeLocks, nextEvent, recordEvents } from './tabs';

const record = (mpid: string, more: Partial<UserRecord> = {}): UserRecord => ({
  mpid,
  identities: { email: `${mpid}@x.y` },
  attributes: {},
  consent: {},
  isLoggedIn: false,
  firstSeen: 1,
  lastSeen: 2,
  ...more,
});

function request(open: IDBOpenDBRequest | IDBRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    open.onsuccess = () => {
      if (open.result instanceof IDBDatabase) open.result.close();
      resolve();
    };
    open.onerror = () => reject(open.error);
    if ('onblocked' in open) open.onblocked = () => reject(new Error('blocked'));
  });
}

describe('the IndexedDB store under faults', () => {
  test('the database deleted under the page: we close, then reopen a fresh one on next use', async () => {
    const dbName = freshDbName();
    const logger = spyLogger();
    const { client: store } = await openIdbStores(dbName, logger);
    const fellBack = jest.fn();
    store.onFallback(fellBack);
    await store.commit({ deviceId: 'd', currentMpid: '1', put: [record('1')] });
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(dbName);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('the delete was blocked'));
    });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(await store.load()).toEqual({
      revision: 0,
      deviceId: null,
      currentMpid: null,
      context: null,
      identityRevision: 0,
      users: [],
    });
    expect(fellBack).not.toHaveBeenCalled();
    await store.commit({ deviceId: 'e', currentMpid: '2', put: [record('2')] });
    expect(await store.load()).toEqual({
      revision: 1,
      deviceId: 'e',
      currentMpid: '2',
      context: null,
      identityRevision: 0,
      users: [record('2')],
    });
    await store.close();
  });

  test('the device id is set once: a second one written later is ignored, in one transaction', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger());
    await Promise.all([
      store.commit({ deviceId: 'first', put: [record('1')] }),
      store.commit({ deviceId: 'second', currentMpid: '1' }),
    ]);
    expect(await store.load()).toMatchObject({ deviceId: 'first', currentMpid: '1' });
    await store.close();
  });

  test('after close every use rejects with storage', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger());
    await store.close();
    await expect(store.load()).rejects.toMatchObject({ code: 'storage' });
    await expect(store.commit({ currentMpid: '1' })).rejects.toMatchObject({ code: 'storage' });
  });
});

describe('memory and missing IndexedDB', () => {
  test('the memory store also keeps the first device id', async () => {
    const store = createMemoryStore();
    await store.commit({ deviceId: 'first' });
    await store.commit({ deviceId: 'second', currentMpid: '1' });
    expect(await store.load()).toMatchObject({ deviceId: 'first', currentMpid: '1' });
  });

  test('reading `indexedDB` throws (a sandbox): memory, with one warning', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');
    Object.defineProperty(globalThis, 'indexedDB', {
      configurable: true,
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    try {
      const logger = spyLogger();
      const { client: store } = await openClientStores({
        storage: 'indexeddb',
        dbName: 'x',
        logger,
      });
      expect(store.capabilities.sharedAcrossTabs).toBe(false);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0]![0]).toMatch(/SecurityError/);
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', saved!);
    }
  });
});

describe('a client whose database changes under it', () => {
  test('another tab upgrades: the client steps aside, keeps its user and carries on in memory', async () => {
    const dbName = freshDbName();
    const logger = spyLogger();
    const client = await createIdentity({ backend: createFakeBackend(), dbName, logger });
    const user = client.currentUser;
    await request(indexedDB.open(dbName, DB_VERSION + 1)); // never blocked by us
    expect(client.currentUser).toBe(user);
    const result = await client.login({ userIdentities: { customerid: 'C' } });
    expect(client.currentUser!.mpid).toBe(result.mpid);
    await client.currentUser!.setAttribute('a', 1);
    expect(logger.warn).toHaveBeenCalledTimes(2); // closing, then the memory fallback
    await client.close();
  });

  test('the database deleted: the next identity call restores it from the tab', async () => {
    const locks = installFakeLocks();
    try {
      const dbName = freshDbName();
      const backend = createFakeBackend();
      const client = await createIdentity({ backend, dbName, logger: spyLogger() });
      await client.login({ userIdentities: { customerid: 'C' } });
      const before = stateOf(client);
      await request(indexedDB.deleteDatabase(dbName));
      const events = recordEvents(client);
      await client.identify({ userIdentities: { customerid: 'C' } });
      expect(events.map((e) => e.type)).toEqual([]); // same user, nothing new
      expect(stateOf(client)).toEqual(before);
      const again = await createIdentity({ backend, dbName, logger: spyLogger() });
      expect(stateOf(again)).toEqual(before);
      await Promise.all([client.close(), again.close()]);
    } finally {
      locks.restore();
    }
  });

  test('a quota error on write: storage, nothing changes here, in the store or in other tabs', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const a = await createIdentity({ backend, dbName, logger: spyLogger() });
    const b = await createIdentity({ backend, dbName, logger: spyLogger() });
    const before = stateOf(a);
    const events = recordEvents(b);
    const put = jest.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    try {
      await expect(a.login({ userIdentities: { customerid: 'C' } })).rejects.toMatchObject({
        code: 'storage',
      });
      await expect(a.currentUser!.setAttribute('x', 1)).rejects.toMatchObject({
        code: 'storage',
      });
    } finally {
      put.mockRestore();
    }
    expect(stateOf(a)).toEqual(before);
    const fresh = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(stateOf(fresh)).toEqual(before);
    // The next good commit reaches B; nothing from the failed ones came before it.
    const heard = nextEvent(b);
    await a.currentUser!.setAttribute('ok', true);
    await heard;
    expect(events).toHaveLength(1);
    expect(b.currentUser!.attributes).toEqual({ ok: true });
    await Promise.all([a.close(), b.close(), fresh.close()]);
  });
});
