import { createCommitter } from '../../src/client/committer';
import { createUserCache } from '../../src/client/user-cache';
import { createMemoryStore } from '../../src/store/memory-store';
import type { UserChangeEvent } from '../../src/types';
import { freshDbName, spyLogger, storedUser } from '../client/fake-backend';

// The connection to the other tabs loads after start-up (tab-sync.ts is a
// chunk of its own, loaded through lazy()). Here it loads only when the test
// says so.
let connectNow: () => void = () => undefined;
jest.mock('../../src/lazy', () => ({
  // Every lazy load waits for `connectNow`: the window between start-up and the connection.
  lazy: <T>(load: () => Promise<T>) => {
    let loading: Promise<T> | undefined;
    return () => (loading ??= new Promise<void>((resolve) => (connectNow = resolve)).then(load));
  },
}));

const record = storedUser;

test('a change written before the tab connection loaded is read once it connects, with a sync event', async () => {
  // A store other tabs share (IndexedDB's role), here a memory store that says so.
  const store = createMemoryStore();
  Object.defineProperty(store, 'capabilities', { value: { sharedAcrossTabs: true } });
  await store.commit({ deviceId: 'd', currentMpid: '1', put: [record('1', 10)] });
  const stored = await store.load();
  const events: UserChangeEvent[] = [];
  const cache = createUserCache(stored.users, stored.currentMpid, async (_mpid, change) =>
    change(record('1', 10)),
  );
  const committer = createCommitter({
    store,
    cache,
    stored,
    dbName: freshDbName(),
    logger: spyLogger(),
    notify: (event) => events.push(event),
    readBeforeCalls: () => true,
  });
  // Another tab logs in while this one is not listening yet: no message reaches it.
  await store.commit({ currentMpid: '2', put: [record('2', 20)] });
  expect(cache.currentMpid).toBe('1');
  const reads = jest.spyOn(store, 'readRevision');

  connectNow();
  // Let the connection land and its one read of the revision run.
  for (let i = 0; i < 20 && cache.currentMpid !== '2'; i++)
    await new Promise((r) => setTimeout(r, 0));
  expect(reads).toHaveBeenCalledTimes(1);
  expect(cache.currentMpid).toBe('2');
  expect(events.map((e) => [e.type, e.previousUser?.mpid, e.user?.mpid])).toEqual([
    ['sync', '1', '2'],
  ]);
  await committer.close();
});
