import { createIdentity, IdentityError } from '../../src';
import { openIdbStores } from '../../src/store/open-store';
import type { BackendRequest, IdentityClient } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { installFakeLocks, installRefusingLocks, nextEvent, recordEvents } from './tabs';

let locks: ReturnType<typeof installFakeLocks>;
beforeEach(() => {
  locks = installFakeLocks();
});
afterEach(() => locks.restore());

const previousOf = (request: unknown): string | null => (request as BackendRequest).previousMpid;

describe('Web Locks: one identity call at a time per device', () => {
  test('a call in another tab waits for the one in flight and sends its result as previousMpid', async () => {
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const a = await createIdentity({ backend, dbName, logger: spyLogger() });
    const b = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(locks.requested.length).toBeGreaterThan(0);
    // Identity calls take the device lock (the alias outbox, with nothing pending, takes none).
    expect(new Set(locks.requested)).toEqual(new Set([`idsync:${dbName}`]));

    const release = backend.holdNext();
    const first = a.login({ userIdentities: { customerid: 'A' } });
    // Let A reach the backend, then start B: it must wait for A's lock.
    while (backend.calls.length < 2) await new Promise((r) => setTimeout(r, 0));
    const second = b.login({ userIdentities: { customerid: 'B' } });
    while (locks.waiting() === 0) await new Promise((r) => setTimeout(r, 0));
    expect(backend.calls).toHaveLength(2); // B waits for the lock, nothing sent
    const heard = nextEvent(a);
    release();
    const [ra, rb] = await Promise.all([first, second]);
    expect(previousOf(backend.calls[2]!.request)).toBe(ra.mpid);
    expect(rb.previousMpid).toBe(ra.mpid);
    expect((await heard).user!.mpid).toBe(rb.mpid);
    expect(a.currentUser!.mpid).toBe(rb.mpid);
    await Promise.all([a.close(), b.close()]);
  });

  test('after taking the lock a call re-reads the store, even when no message came', async () => {
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const client = await createIdentity({ backend, dbName, logger: spyLogger() });
    const anonymous = client.currentUser!;
    // Another tab's commit that sent no message (a tab closed right after committing).
    const { client: other } = await openIdbStores(dbName, spyLogger());
    const record = { ...JSON.parse(JSON.stringify(anonymous)), mpid: '77', isLoggedIn: true };
    await other.commit({ currentMpid: '77', put: [record] });
    await other.close();

    const events = recordEvents(client);
    await client.logout();
    expect(previousOf(backend.calls.at(-1)!.request)).toBe('77');
    expect(events.map((e) => [e.type, e.previousUser?.mpid, e.user?.mpid])).toEqual([
      ['sync', anonymous.mpid, '77'],
      ['logout', '77', anonymous.mpid],
    ]);
    await client.close();
  });

  test('modify re-reads too: it changes the user that is current on the device', async () => {
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const client = await createIdentity({ backend, dbName, logger: spyLogger() });
    const { client: other } = await openIdbStores(dbName, spyLogger());
    const record = { ...JSON.parse(JSON.stringify(client.currentUser)), mpid: '77' };
    await other.commit({ currentMpid: '77', put: [record] });
    await other.close();
    const result = await client.modify({ userIdentities: { email: 'm@x.y' } });
    expect(result.mpid).toBe('77');
    expect(backend.calls.at(-1)!.mpid).toBe('77');
    await client.close();
  });

  test('a tab closed in the middle of a login leaves the store as it was; the others go on', async () => {
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const a = await createIdentity({ backend, dbName, logger: spyLogger() });
    const b = await createIdentity({ backend, dbName, logger: spyLogger() });
    const before = stateOf(b);
    const release = backend.holdNext();
    const dying = a.login({ userIdentities: { customerid: 'A' } });
    while (backend.calls.length < 2) await new Promise((r) => setTimeout(r, 0));
    await a.close();
    release();
    await expect(dying).rejects.toMatchObject({ code: 'closed' });
    expect(stateOf(b)).toEqual(before);
    const fresh = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(stateOf(fresh)).toEqual(before);
    await expect(b.login({ userIdentities: { customerid: 'B' } })).resolves.toMatchObject({
      userChanged: true,
    });
    await Promise.all([b.close(), fresh.close()]);
  });
});

describe('first visit: tabs opened together on a fresh browser', () => {
  test('five tabs: one start-up identify, one device id, one current user', async () => {
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const tabs: IdentityClient[] = await Promise.all(
      Array.from({ length: 5 }, () => createIdentity({ backend, dbName, logger: spyLogger() })),
    );
    expect(backend.calls.map((c) => c.method)).toEqual(['identify']);
    expect(new Set(tabs.map((t) => t.deviceId)).size).toBe(1);
    expect(new Set(tabs.map((t) => t.currentUser?.mpid)).size).toBe(1);
    expect(tabs[0]!.currentUser).not.toBeNull();
    await Promise.all(tabs.map((t) => t.close()));
  });

  test('without Web Locks the device id is still one (set once, in one transaction)', async () => {
    locks.restore();
    const backend = createFakeBackend();
    const dbName = freshDbName();
    const tabs = await Promise.all(
      Array.from({ length: 5 }, () =>
        createIdentity({ backend, dbName, logger: spyLogger(), identifyOnInit: false }),
      ),
    );
    expect(new Set(tabs.map((t) => t.deviceId)).size).toBe(1);
    await Promise.all(tabs.map((t) => t.close()));
  });
});

describe('Web Locks refused (opaque origin)', () => {
  test('identity calls go on without the lock; a failing call still fails as itself', async () => {
    locks.restore();
    const restore = installRefusingLocks();
    try {
      const backend = createFakeBackend();
      const client = await createIdentity({ backend, dbName: freshDbName(), logger: spyLogger() });
      expect(client.currentUser).not.toBeNull();
      await expect(client.login({ userIdentities: { customerid: 'C' } })).resolves.toMatchObject({
        userChanged: true,
      });
      const error = new Error('boom');
      backend.failNext(error);
      await expect(client.logout()).rejects.toMatchObject({ code: 'network', cause: error });
      expect(backend.calls.filter((c) => c.method === 'logout')).toHaveLength(1);
      await client.close();
    } finally {
      restore();
    }
  });

  test('alias requests go on without the lock too: accepted, never a bare DOMException', async () => {
    locks.restore();
    const restore = installRefusingLocks();
    try {
      const backend = createFakeBackend();
      const client = await createIdentity({ backend, dbName: freshDbName(), logger: spyLogger() });
      const { user, previousUser } = await client.login({ userIdentities: { customerid: 'C' } });
      const request = client.createAliasRequest(previousUser!, user);
      await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
      backend.failNext(new IdentityError('server', 'fake outage', { httpCode: 503 }));
      await expect(client.aliasUsers(request)).rejects.toBeInstanceOf(IdentityError);
      await expect(client.flushAliases()).resolves.toBeUndefined();
      expect(backend.calls.filter((c) => c.method === 'alias')).toHaveLength(3);
      expect(await client.pendingAliasCount()).toBe(0);
      await client.close();
    } finally {
      restore();
    }
  });

  test('with a lock that runs the task, a failing task is not run twice', async () => {
    const backend = createFakeBackend();
    const client = await createIdentity({ backend, dbName: freshDbName(), logger: spyLogger() });
    backend.failNext(new Error('boom'));
    await expect(client.logout()).rejects.toMatchObject({ code: 'network' });
    expect(backend.calls.filter((c) => c.method === 'logout')).toHaveLength(1);
    await client.close();
  });
});
