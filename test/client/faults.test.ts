import { createIdentity, IdentityError } from '../../src';
import { normalizeOptions } from '../../src/client/options';
import { startIdentityClient } from '../../src/client/identity-client';
import { createMemoryStore } from '../../src/store/memory-store';
import type { ClientStore, StoreChange } from '../../src/store/client-store';
import { createMemoryOutbox } from '../../src/store/outbox';
import type { ClientStores } from '../../src/store/stores';
import type { IdentityErrorCode } from '../../src/errors';
import type { BackendRequest, IdentityClient } from '../../src/types';
import {
  createFakeBackend,
  freshDbName,
  identityError,
  spyLogger,
  stateOf,
  type FakeBackend,
} from './fake-backend';

async function start(backend: FakeBackend = createFakeBackend()) {
  const dbName = freshDbName();
  const client = await createIdentity({ backend, dbName, logger: spyLogger() });
  return { client, backend, dbName };
}

describe('a backend that fails', () => {
  const codes: [IdentityErrorCode, number | undefined][] = [
    ['network', undefined],
    ['timeout', undefined],
    ['rate_limited', 429],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['bad_request', 400],
    ['server', 503],
  ];
  const calls = [
    ['identify', (c: IdentityClient) => c.identify({ userIdentities: { email: 'n@x.y' } })],
    ['login', (c: IdentityClient) => c.login({ userIdentities: { customerid: 'N' } })],
    ['logout', (c: IdentityClient) => c.logout()],
    ['modify', (c: IdentityClient) => c.modify({ userIdentities: { email: 'm@x.y' } })],
  ] as const;

  for (const [name, call] of calls) {
    test.each(codes)(
      `${name}: %s passes through unchanged; nothing changes; the next call works`,
      async (code, httpCode) => {
        const { client, backend, dbName } = await start();
        await client.login({ userIdentities: { customerid: 'C' } });
        const before = stateOf(client);
        const current = client.currentUser;
        const error = identityError(code, httpCode);
        backend.failNext(error);
        await expect(call(client)).rejects.toBe(error);
        expect(client.currentUser).toBe(current);
        expect(stateOf(client)).toEqual(before);
        const fresh = await createIdentity({
          backend: createFakeBackend(),
          dbName,
          logger: spyLogger(),
        });
        expect(stateOf(fresh)).toEqual(before);
        await fresh.close();
        // The queue is not blocked by the failure.
        await expect(call(client)).resolves.toMatchObject({ httpCode: 200 });
        await client.close();
      },
    );
  }

  test('a rejection that is not an IdentityError becomes network, with its cause', async () => {
    const { client, backend } = await start();
    const cause = new TypeError('Failed to fetch');
    backend.failNext(cause);
    const outcome = client.login({ userIdentities: { customerid: 'C' } });
    await expect(outcome).rejects.toMatchObject({ code: 'network', cause });
    await client.close();
  });

  test.each([
    ['a non-object', null],
    ['an invalid mpid', { httpCode: 200, mpid: 'abc', isLoggedIn: true, matchedIdentities: {} }],
    ['no isLoggedIn', { httpCode: 200, mpid: '5', matchedIdentities: {} }],
    [
      'bad matched identities',
      { httpCode: 200, mpid: '5', isLoggedIn: false, matchedIdentities: { x: 'y' } },
    ],
  ])('an answer with %s is a server error and changes nothing', async (_name, answer) => {
    const { client, backend } = await start();
    const before = stateOf(client);
    backend.answerNext(answer);
    await expect(client.login({ userIdentities: { customerid: 'C' } })).rejects.toMatchObject({
      code: 'server',
    });
    expect(stateOf(client)).toEqual(before);
    await client.close();
  });
});

describe('call order', () => {
  test('calls fired without awaiting run one at a time, in call order, chaining previousMpid', async () => {
    const { client, backend } = await start();
    const anonymous = client.currentUser!.mpid;
    const release = backend.holdNext();
    const results = [
      client.login({ userIdentities: { customerid: 'A' } }),
      client.login({ userIdentities: { customerid: 'B' } }),
      client.logout(),
      client.modify({ userIdentities: { email: 'late@x.y' } }),
      client.identify({ userIdentities: { customerid: 'A' } }),
    ];
    await Promise.resolve();
    // The first call is held: the others wait for it.
    expect(backend.calls).toHaveLength(2);
    release();
    const settled = await Promise.all(results);
    const methods = backend.calls.slice(1).map((c) => c.method);
    expect(methods).toEqual(['login', 'login', 'logout', 'modify', 'identify']);
    const previous = backend.calls
      .slice(1)
      .filter((c) => c.method !== 'modify')
      .map((c) => (c.request as BackendRequest).previousMpid);
    expect(previous).toEqual([anonymous, '1002', '1003', anonymous]);
    expect(backend.calls[4]!.mpid).toBe(anonymous);
    expect(settled.map((r) => r.mpid)).toEqual(['1002', '1003', anonymous, anonymous, '1002']);
    expect(settled.map((r) => r.previousMpid)).toEqual([
      anonymous,
      '1002',
      '1003',
      anonymous,
      anonymous,
    ]);
    expect(client.getUser(anonymous)!.identities.email).toBe('late@x.y');
    await client.close();
  });

  test('calls made before their code has loaded (a restored user, no start-up call) keep their order', async () => {
    const { client: first, backend, dbName } = await start();
    const anonymous = first.currentUser!.mpid;
    await first.close();
    // A reload: the user is restored, nothing is sent, the calls' code is not loaded yet.
    const client = await createIdentity({ backend, dbName, logger: spyLogger() });
    const sentBefore = backend.calls.length;
    const results = [
      client.login({ userIdentities: { customerid: 'A' } }),
      client.login({ userIdentities: { customerid: 'B' } }),
      client.logout(),
      client.identify({ userIdentities: { customerid: 'A' } }),
    ];
    const settled = await Promise.all(results);
    const sent = backend.calls.slice(sentBefore);
    expect(sent.map((c) => c.method)).toEqual(['login', 'login', 'logout', 'identify']);
    expect(sent.map((c) => (c.request as BackendRequest).previousMpid)).toEqual([
      anonymous,
      settled[0]!.mpid,
      settled[1]!.mpid,
      anonymous,
    ]);
    await client.close();
  });

  test('a failed call in the middle does not block or disturb the others', async () => {
    const { client, backend } = await start();
    const anonymous = client.currentUser!.mpid;
    backend.failNext(identityError('server', 500));
    const first = client.login({ userIdentities: { customerid: 'A' } });
    const second = client.login({ userIdentities: { customerid: 'B' } });
    await expect(first).rejects.toMatchObject({ code: 'server' });
    const result = await second;
    expect(result.previousMpid).toBe(anonymous);
    await client.close();
  });
});

/** A memory store whose commits fail while `failing` is set. */
function flakyStore(): ClientStore & { failing: boolean; commits: StoreChange[] } {
  const inner = createMemoryStore();
  const store = {
    capabilities: inner.capabilities,
    onFallback: inner.onFallback,
    failing: false,
    commits: [] as StoreChange[],
    load: () => inner.load(),
    readRevision: () => inner.readRevision(),
    close: () => inner.close(),
    async commit(change: StoreChange) {
      if (store.failing) {
        throw new IdentityError('storage', 'disk full', {
          cause: new DOMException('full', 'QuotaExceededError'),
        });
      }
      store.commits.push(change);
      return inner.commit(change);
    },
  };
  return store;
}

/** The client's stores with a flaky client store and an outbox in memory. */
const storesOf = (client: ClientStore): ClientStores => ({
  client,
  outbox: createMemoryOutbox(() => false),
});

describe('a store that fails to commit', () => {
  test('identity calls and user writes reject with storage and change nothing', async () => {
    const backend = createFakeBackend();
    const store = flakyStore();
    const logger = spyLogger();
    const client = await startIdentityClient(
      normalizeOptions({ backend, logger }),
      storesOf(store),
    );
    await client.currentUser!.setAttribute('a', 1);
    const listener = jest.fn();
    client.subscribe(listener);
    const before = stateOf(client);
    const stored = await store.load();
    const current = client.currentUser;

    store.failing = true;
    await expect(client.login({ userIdentities: { customerid: 'C' } })).rejects.toMatchObject({
      code: 'storage',
    });
    await expect(client.modify({ userIdentities: { email: 'e@x.y' } })).rejects.toMatchObject({
      code: 'storage',
    });
    await expect(current!.setAttribute('b', 2)).rejects.toMatchObject({ code: 'storage' });
    await expect(current!.setConsent({})).resolves.toBeUndefined(); // nothing to change: no commit
    expect(client.currentUser).toBe(current);
    expect(stateOf(client)).toEqual(before);
    expect(await store.load()).toEqual(stored);
    expect(listener).not.toHaveBeenCalled();

    store.failing = false;
    await expect(client.login({ userIdentities: { customerid: 'C' } })).resolves.toMatchObject({
      userChanged: true,
    });
    await client.close();
  });

  test('an identity call commits the current MPID and both users in one commit', async () => {
    const backend = createFakeBackend();
    const store = flakyStore();
    const client = await startIdentityClient(
      normalizeOptions({ backend, logger: spyLogger() }),
      storesOf(store),
    );
    const anonymous = client.currentUser!.mpid;
    store.commits.length = 0;
    await client.login({ userIdentities: { customerid: 'C' } });
    expect(store.commits).toHaveLength(1);
    expect(store.commits[0]!.currentMpid).toBe('1002');
    expect(store.commits[0]!.put!.map((u) => u.mpid)).toEqual([anonymous, '1002']);
    await client.close();
  });

  test('a failing first commit of the device id rejects createIdentity with storage', async () => {
    const store = flakyStore();
    store.failing = true;
    const options = normalizeOptions({ backend: createFakeBackend(), logger: spyLogger() });
    await expect(startIdentityClient(options, storesOf(store))).rejects.toMatchObject({
      code: 'storage',
    });
  });
});

describe('close', () => {
  test('afterwards every call rejects with closed; calls waiting in the queue too', async () => {
    const { client, backend } = await start();
    const user = client.currentUser!;
    const release = backend.holdNext();
    const inFlight = client.login({ userIdentities: { customerid: 'A' } });
    const waiting = client.login({ userIdentities: { customerid: 'B' } });
    await Promise.resolve();
    await client.close();
    release();
    await expect(inFlight).rejects.toMatchObject({ code: 'closed' });
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
    expect(backend.calls.filter((c) => c.method === 'login')).toHaveLength(1);
    expect(client.currentUser).toBe(user);
    for (const call of [
      () => client.identify(),
      () => client.login({ userIdentities: { customerid: 'A' } }),
      () => client.logout(),
      () => client.modify({ userIdentities: { email: 'e@x.y' } }),
      () => client.aliasUsers({ sourceMpid: '1', destinationMpid: '2', startTime: 0, endTime: 1 }),
      () => user.setAttribute('a', 1),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'closed' });
    }
    await expect(client.close()).resolves.toBeUndefined();
  });
});
