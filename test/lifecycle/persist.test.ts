import { createIdentity } from '../../src';
import { IdentityError } from '../../src/errors';
import type { IdentityOptions } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { nextEvent, recordEvents } from '../tabs/tabs';

function setup(more: Partial<IdentityOptions> = {}) {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const open = (storage: 'memory' | 'indexeddb', extra: Partial<IdentityOptions> = {}) =>
    createIdentity({ backend, dbName, storage, logger: spyLogger(), ...more, ...extra });
  return { backend, dbName, open };
}

async function databaseExists(dbName: string): Promise<boolean> {
  return (await indexedDB.databases()).some((db) => db.name === dbName);
}

describe('persist() and storage', () => {
  test('a memory client writes nothing until persist(), then everything it holds, and persists from then on', async () => {
    const { backend, dbName, open } = setup();
    const client = await open('memory');
    expect(client.storage).toBe('memory');
    const anonymous = client.currentUser!;
    backend.answerNext({
      httpCode: 200,
      mpid: '555',
      isLoggedIn: true,
      matchedIdentities: { customerid: 'A' },
      context: 'ctx-9',
    });
    await client.login({ userIdentities: { customerid: 'A' } });
    await client.currentUser!.setAttribute('plan', 'pro');
    // The service takes no alias until the queued one has been counted after
    // the reload: a retry (or the reloaded tab's outbox) must not deliver it first.
    const acceptAlias = backend.alias;
    let aliasDown = true;
    backend.alias = (request, ctx) =>
      aliasDown ? Promise.reject(new IdentityError('network', 'down')) : acceptAlias(request, ctx);
    await client
      .aliasUsers(client.createAliasRequest(anonymous, client.currentUser!))
      .catch(() => undefined);
    expect(await databaseExists(dbName)).toBe(false);

    const before = stateOf(client);
    const events = recordEvents(client);
    await client.persist();
    expect(client.storage).toBe('indexeddb');
    expect(stateOf(client)).toEqual(before);
    expect(events).toEqual([]); // nothing changed for the app
    await client.currentUser!.setAttribute('after', true);

    const reloaded = await open('indexeddb');
    expect(backend.calls.filter((c) => c.method === 'identify')).toHaveLength(1); // the first start only
    expect(reloaded.deviceId).toBe(client.deviceId);
    expect(reloaded.currentUser!.mpid).toBe('555');
    expect(reloaded.currentUser!.attributes).toEqual({ plan: 'pro', after: true });
    expect(reloaded.getUsers().map((u) => u.mpid)).toEqual(['555', anonymous.mpid]);
    expect(await reloaded.pendingAliasCount()).toBe(1);
    aliasDown = false;
    await reloaded.identify({ userIdentities: { customerid: 'A' } });
    expect(backend.calls.at(-1)!.ctx!.context).toBe('ctx-9');

    // and the two tabs now share: a change in one reaches the other
    const toB = new Promise((resolve) =>
      client.subscribe((e) => e.user?.identities.customerid === 'B' && resolve(e.type)),
    );
    await reloaded.login({ userIdentities: { customerid: 'B' } });
    expect(await toB).toBe('sync');
    await Promise.all([client.close(), reloaded.close()]);
  });

  test('a no-op when already persistent; concurrent calls persist once', async () => {
    const { open } = setup();
    const persistent = await open('indexeddb');
    await expect(persistent.persist()).resolves.toBeUndefined();
    expect(persistent.storage).toBe('indexeddb');
    const memory = await open('memory', { dbName: freshDbName() });
    await Promise.all([memory.persist(), memory.persist()]);
    expect(memory.storage).toBe('indexeddb');
    await Promise.all([persistent.close(), memory.close()]);
  });

  test('another tab already persists a newer state: it wins, and this tab adopts it', async () => {
    const { open } = setup();
    const other = await open('indexeddb');
    await other.login({ userIdentities: { customerid: 'A' } });
    await other.currentUser!.setAttribute('x', 1);
    await other.currentUser!.setAttribute('y', 2); // revision well ahead of the memory client's
    const memory = await open('memory');
    const mine = memory.currentUser!;
    expect(memory.deviceId).not.toBe(other.deviceId);
    const synced = nextEvent(memory, 'sync');
    await memory.persist();
    const event = await synced;
    expect(event.user!.mpid).toBe(other.currentUser!.mpid);
    expect(memory.deviceId).toBe(other.deviceId);
    expect(memory.currentUser!.attributes).toEqual({ x: 1, y: 2 });
    // the memory client's own user is kept as a past user, in both tabs
    expect(memory.getUser(mine.mpid)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(other.getUser(mine.mpid)).not.toBeNull();
    expect(other.currentUser!.attributes).toEqual({ x: 1, y: 2 });
    await Promise.all([other.close(), memory.close()]);
  });

  test('the memory state is newer: it wins, and the tab already persisting follows', async () => {
    const { open } = setup();
    const other = await open('indexeddb');
    const memory = await open('memory');
    await memory.login({ userIdentities: { customerid: 'M' } });
    for (let i = 0; i < 5; i++) await memory.currentUser!.setAttribute('i', i);
    const synced = nextEvent(other, 'sync');
    await memory.persist();
    const event = await synced;
    expect(event.user!.mpid).toBe(memory.currentUser!.mpid);
    expect(other.deviceId).toBe(memory.deviceId);
    expect(stateOf(other)).toEqual(stateOf(memory));
    await Promise.all([other.close(), memory.close()]);
  });

  test('persist() where IndexedDB cannot be opened rejects with storage and keeps the client in memory', async () => {
    const { open } = setup();
    const client = await open('memory');
    const before = stateOf(client);
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');
    Object.defineProperty(globalThis, 'indexedDB', {
      configurable: true,
      get: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    try {
      await expect(client.persist()).rejects.toMatchObject({ code: 'storage' });
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', saved!);
    }
    expect(client.storage).toBe('memory');
    expect(stateOf(client)).toEqual(before);
    await client.currentUser!.setAttribute('still', 'works');
    await client.persist();
    expect(client.storage).toBe('indexeddb');
    await client.close();
  });

  test('storage shows a fallback to memory', async () => {
    const dbName = freshDbName();
    const client = await createIdentity({
      backend: createFakeBackend(),
      dbName,
      logger: spyLogger(),
    });
    expect(client.storage).toBe('indexeddb');
    // another tab upgrades the database: this one steps aside and carries on in memory
    await new Promise((resolve, reject) => {
      const req = indexedDB.open(dbName, 99);
      req.onsuccess = () => resolve(req.result.close());
      req.onerror = () => reject(req.error);
    });
    await client.currentUser!.setAttribute('a', 1);
    expect(client.storage).toBe('memory');
    await client.close();
  });

  test('a closed client rejects with closed', async () => {
    const { open } = setup();
    const client = await open('memory');
    await client.close();
    await expect(client.persist()).rejects.toMatchObject({ code: 'closed' });
  });
});
