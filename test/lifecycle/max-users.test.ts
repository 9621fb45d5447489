import { createIdentity } from '../../src';
import { createMemoryStore } from '../../src/store/memory-store';
import { openIdbStores } from '../../src/store/open-store';
import type { IdentityClient } from '../../src/types';
import {
  createFakeBackend,
  fakeClock,
  freshDbName,
  spyLogger,
  storedUser,
} from '../client/fake-backend';
import { nextEvent } from '../tabs/tabs';

const record = storedUser;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function storedMpids(dbName: string): Promise<string[]> {
  const db = await request(indexedDB.open(dbName));
  const keys = await request(db.transaction('users').objectStore('users').getAllKeys());
  db.close();
  return (keys as string[]).sort();
}

describe('maxUsers', () => {
  test('is an integer of at least 1, 20 by default', async () => {
    const backend = createFakeBackend();
    for (const maxUsers of [0, -1, 1.5, NaN, Infinity, '5', {}]) {
      await expect(
        createIdentity({ backend, maxUsers: maxUsers as number, logger: spyLogger() }),
      ).rejects.toMatchObject({ code: 'validation' });
    }
    const clock = fakeClock();
    const dbName = freshDbName();
    const client = await createIdentity({ backend, dbName, now: clock.now, logger: spyLogger() });
    for (let i = 0; i < 25; i++) {
      clock.advance(10);
      await client.login({ userIdentities: { customerid: `u${i}` } });
    }
    expect(client.getUsers()).toHaveLength(21);
    expect(await storedMpids(dbName)).toHaveLength(21);
    await client.close();
  });

  test('30 users in turn with maxUsers 5: the current one and the 5 most recently seen stay', async () => {
    const backend = createFakeBackend();
    const clock = fakeClock();
    const dbName = freshDbName();
    const options = { backend, dbName, now: clock.now, logger: spyLogger(), maxUsers: 5 };
    const client = await createIdentity(options);
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      clock.advance(10);
      const id = `u${i}`;
      await client.login({ userIdentities: { customerid: id } });
      await client.currentUser!.setAttribute('n', i);
      seen.push(client.currentUser!.mpid);
      clock.advance(10);
      await client.logout();
    }
    // the current (anonymous) user, then the 5 most recently seen past users
    const expected = [client.currentUser!.mpid, ...seen.slice(-5).reverse()];
    expect(client.getUsers().map((u) => u.mpid)).toEqual(expected);
    expect(await storedMpids(dbName)).toEqual([...expected].sort());
    const reloaded = await createIdentity(options);
    expect(reloaded.currentUser!.mpid).toBe(client.currentUser!.mpid);
    expect(reloaded.getUsers().map((u) => u.mpid)).toEqual(expected);
    expect(reloaded.getUser(seen.at(-1)!)!.attributes).toEqual({ n: 29 });
    await Promise.all([client.close(), reloaded.close()]);
  });

  test('the current user is never deleted, even when it is the least recently seen', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger(), undefined, 2);
    await store.commit({ deviceId: 'd', put: [record('1', 10), record('2', 20), record('3', 30)] });
    const { deleted } = await store.commit({ currentMpid: '1', put: [record('4', 40)] });
    expect(deleted).toEqual(['2']);
    const loaded = await store.load();
    expect(loaded.currentMpid).toBe('1');
    expect(loaded.users.map((u) => u.mpid)).toEqual(['1', '4', '3']);
    await store.close();
  });

  test('a change between users the store holds does not walk the users; a new user does', async () => {
    const { client: store } = await openIdbStores(freshDbName(), spyLogger(), undefined, 2);
    await store.commit({ deviceId: 'd', put: [record('1', 10), record('2', 20), record('3', 30)] });
    const walks = jest.spyOn(IDBIndex.prototype, 'openKeyCursor');
    try {
      const known = await store.commit({
        currentMpid: '2',
        put: [record('1', 50), record('2', 50)],
      });
      expect(known.deleted).toEqual([]);
      expect(walks).not.toHaveBeenCalled();
      const added = await store.commit({
        currentMpid: '4',
        put: [record('2', 60), record('4', 60)],
      });
      expect(walks).toHaveBeenCalledTimes(1);
      // past users: '2' (60), '1' (50) kept; '3' (30) beyond maxUsers 2
      expect(added.deleted).toEqual(['3']);
      expect((await store.load()).users.map((u) => u.mpid).sort()).toEqual(['1', '2', '4']);
    } finally {
      walks.mockRestore();
      await store.close();
    }
  });

  test('the memory store keeps the same rule', async () => {
    const store = createMemoryStore(2);
    await store.commit({ deviceId: 'd', put: [record('1', 10), record('2', 20), record('3', 30)] });
    const { deleted } = await store.commit({ currentMpid: '1', put: [record('4', 40)] });
    expect(deleted).toEqual(['2']);
    expect((await store.load()).users.map((u) => u.mpid).sort()).toEqual(['1', '3', '4']);
  });

  test('other tabs drop the deleted users too', async () => {
    const backend = createFakeBackend();
    const clock = fakeClock();
    const dbName = freshDbName();
    const options = { backend, dbName, now: clock.now, logger: spyLogger(), maxUsers: 2 };
    const a = await createIdentity(options);
    const b = await createIdentity(options);
    const logins: string[] = [];
    for (const id of ['A', 'B', 'C']) {
      clock.advance(10);
      const synced = nextEvent(b);
      logins.push((await a.login({ userIdentities: { customerid: id } })).mpid);
      await synced;
    }
    const mpids = (c: IdentityClient) => c.getUsers().map((u) => u.mpid);
    expect(mpids(a)).toEqual([logins[2], logins[1], logins[0]]);
    expect(mpids(b)).toEqual(mpids(a));
    await Promise.all([a.close(), b.close()]);
  });

  test('start-up reads the current user and the most recent past users, not every record', async () => {
    const dbName = freshDbName();
    const { client: seed } = await openIdbStores(dbName, spyLogger(), undefined, 5000);
    const many = Array.from({ length: 500 }, (_, i) => record(String(10_000 + i), 1_000 + i));
    // the current user is one of the oldest: read by its key, not found by the walk
    await seed.commit({ deviceId: 'd', put: many });
    await seed.commit({ put: [] });
    const db = await request(indexedDB.open(dbName));
    const tx = db.transaction('meta', 'readwrite');
    tx.objectStore('meta').put('10003', 'currentMpid');
    await new Promise((r) => (tx.oncomplete = r));
    db.close();
    await seed.close();

    const walked = jest.spyOn(IDBCursor.prototype, 'continue');
    const ranged = jest.spyOn(IDBIndex.prototype, 'getAll');
    const getAll = jest.spyOn(IDBObjectStore.prototype, 'getAll');
    const getAllKeys = jest.spyOn(IDBObjectStore.prototype, 'getAllKeys');
    try {
      const client = await createIdentity({
        backend: createFakeBackend(),
        dbName,
        logger: spyLogger(),
      });
      // (the alias outbox reads its own store at start-up; the users are never read whole)
      const stores = getAll.mock.contexts.map((store) => (store as IDBObjectStore).name);
      expect(stores).not.toContain('users');
      expect(getAllKeys).not.toHaveBeenCalled();
      expect(walked).not.toHaveBeenCalled();
      // one read of the index, from the 21st most recent lastSeen up
      expect(ranged).toHaveBeenCalledTimes(1);
      expect((ranged.mock.calls[0]![0] as IDBKeyRange).lower).toBe(1_000 + 500 - 21);
      const users = client.getUsers().map((u) => u.mpid);
      expect(users).toHaveLength(21);
      expect(users[0]).toBe('10003');
      expect(users.slice(1)).toEqual(
        many
          .slice(-20)
          .map((r) => r.mpid)
          .reverse(),
      );
      await client.close();
    } finally {
      walked.mockRestore();
      ranged.mockRestore();
      getAll.mockRestore();
      getAllKeys.mockRestore();
    }
  });
});
