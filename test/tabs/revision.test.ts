import { createIdentity } from '../../src';
import type { UserRecord } from '../../src/store/client-store';
import { createMemoryStore } from '../../src/store/memory-store';
import { openIdbStores } from '../../src/store/open-store';
import { createFakeBackend, freshDbName, spyLogger } from '../client/fake-backend';
import { installFakeLocks, nextEvent } from './tabs';

const record = (mpid: string): UserRecord => ({
  mpid,
  identities: { email: `${mpid}@x.y` },
  attributes: {},
  consent: {},
  isLoggedIn: false,
  firstSeen: 1,
  lastSeen: 2,
});

describe('a store change puts and deletes users, and moves the revision by one', () => {
  test.each([
    ['IndexedDB', async () => (await openIdbStores(freshDbName(), spyLogger())).client],
    ['memory', async () => createMemoryStore()],
  ])('%s', async (_name, open) => {
    const store = await open();
    expect(await store.readRevision()).toBe(0);
    expect(
      (await store.commit({ currentMpid: '1', put: [record('1'), record('2')] })).revision,
    ).toBe(1);
    expect((await store.commit({ currentMpid: '2', delete: ['1'], context: 'c' })).revision).toBe(
      2,
    );
    expect(await store.readRevision()).toBe(2);
    expect(await store.load()).toEqual({
      revision: 2,
      deviceId: null,
      currentMpid: '2',
      context: 'c',
      identityRevision: 0,
      users: [record('2')],
    });
    await store.close();
  });
});

describe('tabs and the revision', () => {
  test('a deletion reaches the other tabs: a deleted current user leaves none current', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const a = await createIdentity({ backend, dbName, logger: spyLogger() });
    const b = await createIdentity({ backend, dbName, logger: spyLogger() });
    const current = b.currentUser!.mpid;
    const { client: store } = await openIdbStores(dbName, spyLogger());
    const revision = (await store.readRevision()) + 1;
    await store.close();
    const heard = nextEvent(b);
    const channel = new BroadcastChannel(`idsync:${dbName}`);
    channel.postMessage({ from: 'other', revision, put: [], delete: [current] });
    const event = await heard;
    expect(event.user).toBeNull();
    expect(event.previousUser!.mpid).toBe(current);
    expect(b.currentUser).toBeNull();
    expect(b.getUser(current)).toBeNull();
    channel.close();
    await Promise.all([a.close(), b.close()]);
  });

  test('a tab that holds the latest revision reads one record before a call, not every user', async () => {
    const locks = installFakeLocks();
    // A full re-read of the store reads the users through their lastSeen index.
    const fullRead = jest.spyOn(IDBIndex.prototype, 'getAll');
    try {
      const dbName = freshDbName();
      const backend = createFakeBackend();
      const client = await createIdentity({ backend, dbName, logger: spyLogger() });
      await client.login({ userIdentities: { customerid: 'C' } });
      fullRead.mockClear();
      await client.login({ userIdentities: { customerid: 'D' } });
      await client.identify({ userIdentities: { customerid: 'D' } });
      expect(fullRead).not.toHaveBeenCalled();

      // Another tab writes without this one hearing of it: the revision moved, so it re-reads.
      const { client: other } = await openIdbStores(dbName, spyLogger());
      await other.commit({ currentMpid: '77', put: [{ ...record('77'), isLoggedIn: true }] });
      await other.close();
      const result = await client.logout();
      expect(fullRead).toHaveBeenCalled();
      expect(result.previousMpid).toBe('77');
      await client.close();
    } finally {
      fullRead.mockRestore();
      locks.restore();
    }
  });
});
