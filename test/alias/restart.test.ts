import { openDB } from 'idb';
import { createIdentity } from '../../src';
import { FRESH_MS } from '../../src/client/alias-outbox';
import { openIdbStores } from '../../src/store/open-store';
import type { UserRecord } from '../../src/store/client-store';
import type { AliasRequest } from '../../src/types';
import {
  createFakeBackend,
  fakeClock,
  freshDbName,
  identityError,
  spyLogger,
  type FakeBackend,
} from '../client/fake-backend';
import { aliasCalls, nextAlias, start } from './helpers';

const identityCalls = (backend: FakeBackend) =>
  backend.calls.filter((call) => call.method !== 'alias');

describe('the outbox across a restart (IndexedDB)', () => {
  async function queueWhileDown() {
    const first = await start();
    const { user, previousUser } = await first.client.login({
      userIdentities: { customerid: 'A' },
    });
    const request = first.client.createAliasRequest(previousUser!, user);
    first.backend.failNext(identityError('network'));
    await expect(first.client.aliasUsers(request)).rejects.toMatchObject({ code: 'network' });
    expect(await first.client.pendingAliasCount()).toBe(1);
    await first.client.close();
    return { ...first, request };
  }

  test('queued while the backend is down, delivered exactly once by the next client', async () => {
    const { dbName, clock, request } = await queueWhileDown();
    const backend = createFakeBackend();
    const second = await createIdentity({ backend, dbName, logger: spyLogger(), now: clock.now });
    expect(identityCalls(backend)).toHaveLength(0); // the current user was restored
    expect(await second.pendingAliasCount()).toBe(1); // not due yet: the start-up flush left it
    await second.flushAliases();
    await second.flushAliases();
    expect(aliasCalls(backend).map((c) => c.request)).toEqual([request]);
    expect(await second.pendingAliasCount()).toBe(0);
    await second.close();

    const third = createFakeBackend();
    const again = await createIdentity({ backend: third, dbName, logger: spyLogger() });
    await again.flushAliases();
    expect(third.calls).toHaveLength(0);
    await again.close();
  });

  test('once due, the start-up flush delivers it in the background, exactly once', async () => {
    const { dbName, clock, request } = await queueWhileDown();
    clock.advance(60_000);
    const backend = createFakeBackend();
    const delivered = nextAlias(backend);
    const second = await createIdentity({ backend, dbName, logger: spyLogger(), now: clock.now });
    expect(identityCalls(backend)).toHaveLength(0);
    await delivered;
    await second.flushAliases(); // waits for the start-up flush; finds nothing left
    expect(aliasCalls(backend).map((c) => c.request)).toEqual([request]);
    expect(await second.pendingAliasCount()).toBe(0);
    await second.close();
  });

  test('start-up does not wait for an alias send', async () => {
    const { dbName, clock } = await queueWhileDown();
    clock.advance(60_000);
    const backend = createFakeBackend();
    const release = backend.holdNext(); // the alias hangs
    const second = await createIdentity({ backend, dbName, logger: spyLogger(), now: clock.now });
    expect(second.currentUser).not.toBeNull();
    release();
    await second.flushAliases();
    expect(aliasCalls(backend)).toHaveLength(1);
    await second.close();
  });

  test('a page that closed between storing and sending: delivered after the fresh window', async () => {
    const dbName = freshDbName();
    const clock = fakeClock();
    const request: AliasRequest = {
      sourceMpid: '1',
      destinationMpid: '2',
      startTime: 0,
      endTime: 5,
    };
    const stores = await openIdbStores(dbName, spyLogger());
    await stores.outbox.outboxPut({
      id: 'left-behind',
      request,
      createdAt: clock.now(),
      attempts: 0,
      nextAttemptAt: clock.now(),
    });
    await stores.client.close();
    const backend = createFakeBackend();
    const client = await createIdentity({ backend, dbName, logger: spyLogger(), now: clock.now });
    await client.flushAliases();
    expect(aliasCalls(backend)).toHaveLength(0);
    clock.advance(FRESH_MS);
    await client.flushAliases();
    expect(aliasCalls(backend).map((c) => c.request)).toEqual([request]);
    expect(await client.pendingAliasCount()).toBe(0);
    await client.close();
  });
});

describe('database version 3 (outbox since 2, lastSeen index since 3)', () => {
  test('a version 1 database with a stored user opens with the user intact and an empty outbox', async () => {
    const dbName = freshDbName();
    const user: UserRecord = {
      mpid: '1234',
      identities: { customerid: 'ABC', device_application_stamp: 'dev-1' },
      attributes: { plan: 'pro' },
      consent: {},
      isLoggedIn: true,
      firstSeen: 100,
      lastSeen: 200,
    };
    const v1 = await openDB(dbName, 1, {
      upgrade(db) {
        db.createObjectStore('meta');
        db.createObjectStore('users', { keyPath: 'mpid' });
      },
    });
    await v1.put('meta', 'dev-1', 'deviceId');
    await v1.put('meta', '1234', 'currentMpid');
    await v1.put('users', user);
    v1.close();

    const backend = createFakeBackend();
    const client = await createIdentity({ backend, dbName, logger: spyLogger() });
    expect(backend.calls).toHaveLength(0);
    expect(client.deviceId).toBe('dev-1');
    expect(client.currentUser).toMatchObject({
      mpid: '1234',
      identities: user.identities,
      attributes: { plan: 'pro' },
      isLoggedIn: true,
      firstSeen: 100,
      lastSeen: 200,
    });
    expect(await client.pendingAliasCount()).toBe(0);
    await client.close();

    const v2 = await openDB(dbName);
    expect(v2.version).toBe(3);
    expect([...v2.objectStoreNames].sort()).toEqual(['meta', 'outbox', 'users']);
    v2.close();
  });

  test('a new database is created at version 3 directly', async () => {
    const dbName = freshDbName();
    const { client } = await start({ dbName });
    await client.close();
    const db = await openDB(dbName);
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['meta', 'outbox', 'users']);
    db.close();
  });
});

describe('storage: memory', () => {
  test('the same outbox behaviour, kept for the life of the page only', async () => {
    const { client, backend } = await start({ storage: 'memory' });
    const request: AliasRequest = {
      sourceMpid: '1',
      destinationMpid: '2',
      startTime: 0,
      endTime: 0,
    };
    backend.failNext(identityError('server', 502));
    await expect(client.aliasUsers(request)).rejects.toMatchObject({ code: 'server' });
    expect(await client.pendingAliasCount()).toBe(1);
    await client.flushAliases();
    expect(await client.pendingAliasCount()).toBe(0);
    expect(aliasCalls(backend)).toHaveLength(2);
    await client.close();
  });
});
