import { createIdentity } from '../../src';
import { IdentityError } from '../../src/errors';
import { startIdentityClient } from '../../src/client/identity-client';
import { normalizeOptions } from '../../src/client/options';
import type { StoreChange } from '../../src/store/client-store';
import { createMemoryStores } from '../../src/store/memory-store';
import { openIdbStores } from '../../src/store/open-store';
import type { BackendRequest, IdentityClient, IdentityOptions } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { nextEvent, recordEvents } from '../tabs/tabs';

async function tabs(count: number, more: Partial<IdentityOptions> = {}) {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const clients: IdentityClient[] = [];
  for (let i = 0; i < count; i++) {
    clients.push(await createIdentity({ backend, dbName, logger: spyLogger(), ...more }));
  }
  return { clients, backend, dbName, close: () => Promise.all(clients.map((c) => c.close())) };
}

const login = (client: IdentityClient, customerid: string) =>
  client.login({ userIdentities: { customerid } });

describe('reset()', () => {
  test('forgets the current and every past user, keeps the device id, and tells a reset event', async () => {
    const { clients, backend, dbName, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    await login(client, 'A');
    await login(client, 'B');
    expect(client.getUsers()).toHaveLength(3);
    const device = client.deviceId;
    const previous = client.currentUser;
    const events = recordEvents(client);
    await client.reset();
    expect(client.currentUser).toBeNull();
    expect(client.getUsers()).toEqual([]);
    expect(client.getUser(previous!.mpid)).toBeNull();
    expect(client.deviceId).toBe(device);
    expect(events).toEqual([{ type: 'reset', user: null, previousUser: previous }]);
    // Persisted: a new page finds no user (and identifies anew, from no user).
    const reloaded = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(reloaded.deviceId).toBe(device);
    const last = backend.calls.at(-1)!.request as BackendRequest;
    expect(last.previousMpid).toBeNull();
    expect(reloaded.getUsers().map((u) => u.mpid)).toEqual([reloaded.currentUser!.mpid]);
    await Promise.all([close(), reloaded.close()]);
  });

  test('{ deviceId: true } also makes a new device id, sent by the next call', async () => {
    const { clients, backend, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    const device = client.deviceId;
    await client.reset({ deviceId: true });
    expect(client.deviceId).not.toBe(device);
    expect(client.deviceId).toMatch(/^[0-9a-f-]{36}$/);
    await client.identify();
    const last = backend.calls.at(-1)!;
    expect((last.request as BackendRequest).knownIdentities.device_application_stamp).toBe(
      client.deviceId,
    );
    expect(last.ctx!.deviceId).toBe(client.deviceId);
    expect((last.request as BackendRequest).previousMpid).toBeNull();
    await close();
  });

  test('the service context is forgotten with the users', async () => {
    const { clients, backend, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    backend.answerNext({
      httpCode: 200,
      mpid: '77',
      isLoggedIn: true,
      matchedIdentities: { customerid: 'A' },
      context: 'ctx-1',
    });
    await login(client, 'A');
    await client.reset();
    await client.identify();
    expect(backend.calls.at(-1)!.ctx!.context).toBeNull();
    await close();
  });

  test('every open tab follows with a reset event and empty users', async () => {
    const { clients, close } = await tabs(3);
    const [a, b, c] = clients as [IdentityClient, IdentityClient, IdentityClient];
    const { mpid } = await login(a, 'A');
    await nextEvent(c);
    const heard = [nextEvent(b, 'reset'), nextEvent(c, 'reset')];
    await b.reset({ deviceId: true });
    const [atB, atC] = await Promise.all(heard);
    await new Promise((r) => setTimeout(r, 20));
    for (const tab of [a, b, c]) {
      expect(tab.currentUser).toBeNull();
      expect(tab.getUsers()).toEqual([]);
      expect(tab.deviceId).toBe(b.deviceId);
    }
    expect(atB!.user).toBeNull();
    expect(atB!.previousUser!.mpid).toBe(mpid);
    expect(atC!.previousUser!.mpid).toBe(mpid);
    await close();
  });

  test('calls queued before it run first; calls after it start from no user', async () => {
    const { clients, backend, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    const release = backend.holdNext();
    const before = login(client, 'A');
    const reset = client.reset();
    const after = client.identify();
    release();
    const first = await before;
    await reset;
    const second = await after;
    expect(first.userChanged).toBe(true);
    expect(second.previousMpid).toBeNull();
    expect(second.previousUser).toBeNull();
    expect(client.getUsers().map((u) => u.mpid)).toEqual([second.mpid]);
    await close();
  });

  test('alias requests naming forgotten users are dropped; others stay queued', async () => {
    const { clients, backend, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    const anonymous = client.currentUser!;
    await login(client, 'A');
    // Both sends fail transiently: the requests stay in the outbox.
    backend.failNext(new IdentityError('network', 'down'));
    backend.failNext(new IdentityError('network', 'down'));
    const known = client.createAliasRequest(anonymous, client.currentUser!);
    await client.aliasUsers(known).catch(() => undefined);
    const stranger = { ...known, sourceMpid: '9001', destinationMpid: '9002' };
    await client.aliasUsers(stranger).catch(() => undefined);
    expect(await client.pendingAliasCount()).toBe(2);
    await client.reset();
    expect(await client.pendingAliasCount()).toBe(1);
    await close();
  });

  test('in memory too: users, context and the aliases naming them go', async () => {
    const stores = createMemoryStores();
    const backend = createFakeBackend();
    const client = await startIdentityClient(
      normalizeOptions({ backend, logger: spyLogger() }),
      stores,
    );
    const anonymous = client.currentUser!;
    await login(client, 'A');
    await stores.outbox.outboxPut({
      id: 'x',
      request: client.createAliasRequest(anonymous, client.currentUser!),
      createdAt: 1,
      attempts: 1,
      nextAttemptAt: 1,
    });
    const device = client.deviceId;
    await client.reset();
    expect(stateOf(client)).toEqual({ currentUser: null, deviceId: device, users: [] });
    expect(await stores.client.load()).toMatchObject({
      currentMpid: null,
      users: [],
      context: null,
    });
    expect(await stores.outbox.outboxAll()).toEqual([]);
    await client.close();
  });

  test('a reset that cannot be written rejects with storage and changes nothing', async () => {
    const { clients, dbName, backend, close } = await tabs(2);
    const [a, b] = clients as [IdentityClient, IdentityClient];
    await login(a, 'A');
    await nextEvent(b);
    const before = stateOf(a);
    const events = [recordEvents(a), recordEvents(b)];
    const clear = jest.spyOn(IDBObjectStore.prototype, 'clear').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    try {
      await expect(a.reset({ deviceId: true })).rejects.toMatchObject({ code: 'storage' });
    } finally {
      clear.mockRestore();
    }
    expect(stateOf(a)).toEqual(before);
    expect(stateOf(b)).toEqual(before);
    expect(events.flat()).toEqual([]);
    const fresh = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(stateOf(fresh)).toEqual(before);
    await Promise.all([close(), fresh.close()]);
  });

  test('bad options are validation errors and change nothing', async () => {
    const { clients, close } = await tabs(1);
    const [client] = clients as [IdentityClient];
    const before = stateOf(client);
    const bad: unknown[] = [
      null,
      'yes',
      [],
      { deviceId: 'true' },
      { device: true },
      { deviceId: 1 },
    ];
    for (const options of bad) {
      await expect(client.reset(options as never)).rejects.toMatchObject({ code: 'validation' });
    }
    const polluted = JSON.parse('{"__proto__": {"deviceId": true}}') as object;
    await expect(client.reset(polluted)).rejects.toMatchObject({ code: 'validation' });
    expect(stateOf(client)).toEqual(before);
    await close();
  });

  test('a closed client rejects with closed', async () => {
    const { clients } = await tabs(1);
    const [client] = clients as [IdentityClient];
    await client.close();
    await expect(client.reset()).rejects.toMatchObject({ code: 'closed' });
  });

  test('commit observers see one change that says it is a reset (and the new device id)', async () => {
    const { client: store, outbox } = await openIdbStores(freshDbName(), spyLogger());
    const commits: StoreChange[] = [];
    const commit = store.commit.bind(store);
    store.commit = (change) => {
      commits.push(change);
      return commit(change);
    };
    const client = await startIdentityClient(
      normalizeOptions({ backend: createFakeBackend(), logger: spyLogger() }),
      { client: store, outbox },
    );
    commits.length = 0;
    await client.reset({ deviceId: true });
    expect(commits).toEqual([{ reset: true, deviceId: client.deviceId }]);
    await client.close();
  });
});
