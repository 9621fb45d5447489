/**
 * @jest-environment-options {"url": "https://a.example.com/app/"}
 */
// The cookie mirror's contract with the committer, as a lifecycle change
// (reset, persist) meets it: the mirror looks only at what a commit leaves
// (device id, current MPID, logged-in flag, the store's
// `capabilities.persistent`), so any commit that clears the current user
// clears the cookie, and the first commit after the store became persistent
// writes it.
import { createIdentity } from '../../src';
import { createCommitter } from '../../src/client/committer';
import { createCookieMirror } from '../../src/client/cookie-mirror';
import { createListeners } from '../../src/client/listeners';
import { createUserCache } from '../../src/client/user-cache';
import type { ClientStore, UserRecord } from '../../src/store/client-store';
import { createMemoryStore } from '../../src/store/memory-store';
import { createFakeBackend, freshDbName, spyLogger } from '../client/fake-backend';

const record = (mpid: string, isLoggedIn = false): UserRecord => ({
  mpid,
  identities: {},
  attributes: {},
  consent: {},
  isLoggedIn,
  firstSeen: 1,
  lastSeen: 1,
});

const cookieValue = () =>
  document.cookie
    .split('; ')
    .find((pair) => pair.startsWith('idsync='))
    ?.slice('idsync='.length);

afterEach(() => {
  document.cookie = 'idsync=; Path=/; Max-Age=0; Domain=example.com';
});

/** A memory store whose persistence a test switches, as persist() would. */
async function switchableParts() {
  const memory = createMemoryStore();
  const switchable = { persistent: false };
  const store: ClientStore = {
    ...memory,
    capabilities: {
      sharedAcrossTabs: false,
      get persistent() {
        return switchable.persistent;
      },
    },
  };
  await store.commit({ deviceId: 'dev-1' });
  const stored = await store.load();
  const logger = spyLogger();
  const events = createListeners(logger);
  // No user writes here: the mirror is driven by commits alone.
  const cache = createUserCache(stored.users, stored.currentMpid, async () => {
    throw new Error('no user writes in this test');
  });
  const committer = createCommitter({
    store,
    cache,
    stored,
    dbName: freshDbName(),
    logger,
    notify: events.notify,
    readBeforeCalls: () => false,
  });
  const mirror = createCookieMirror({}, false, logger);
  mirror.attach({ committer, cache, events, now: () => 5 });
  return { switchable, committer, mirror };
}

test('not persistent: no cookie at all, not even the domain probe; persistent: the next commit writes it', async () => {
  const writes = jest.spyOn(document, 'cookie', 'set');
  const { switchable, committer, mirror } = await switchableParts();
  await committer.exclusive(() => committer.commit({ currentMpid: '1', put: [record('1', true)] }));
  expect(writes).not.toHaveBeenCalled();

  switchable.persistent = true; // what persist() does to the store
  // A commit that changes neither device nor user: the move to persistent is what counts.
  await committer.exclusive(() =>
    committer.commit({ put: [{ ...record('1', true), lastSeen: 9 }] }),
  );
  expect(cookieValue()).toMatch(/^idsync\.1\.dev-1\.1\.1\.\d+\.\w+$/);
  writes.mockRestore();
  mirror.close();
});

test('a commit that leaves no current user (a reset, with a new device id) clears the cookie', async () => {
  const { switchable, committer, mirror } = await switchableParts();
  switchable.persistent = true;
  await committer.exclusive(() => committer.commit({ currentMpid: '1', put: [record('1')] }));
  const written = cookieValue();
  expect(written).toContain('.dev-1.1.0.');
  const revision = committer.identity().revision;
  await committer.exclusive(() =>
    committer.commit({ currentMpid: null, delete: ['1'], newDeviceId: 'dev-2' }),
  );
  expect(cookieValue()).toBeUndefined();
  expect(committer.identity()).toMatchObject({ deviceId: 'dev-2', currentMpid: null });
  expect(committer.identity().revision).toBeGreaterThan(revision);
  // The next user after it is written again, with a higher revision.
  await committer.exclusive(() => committer.commit({ currentMpid: '2', put: [record('2')] }));
  expect(cookieValue()).toContain('.dev-2.2.0.');
  mirror.close();
});

test("storage: 'memory' with the cookie option writes no cookie", async () => {
  const writes = jest.spyOn(document, 'cookie', 'set');
  const client = await createIdentity({
    backend: createFakeBackend(),
    dbName: freshDbName(),
    logger: spyLogger(),
    storage: 'memory',
    cookie: {},
  });
  await client.login({ userIdentities: { customerid: 'C1' } });
  await client.logout();
  expect(writes).not.toHaveBeenCalled();
  expect(document.cookie).toBe('');
  await client.close();
  writes.mockRestore();
});
