/**
 * @jest-environment-options {"url": "https://a.example.com/app/"}
 */
// The cookie mirror as the client's lifecycle meets it (reset, persist,
// storage: 'memory'), and what a start-up writes: the mirror looks only at
// what a commit leaves (device id, current MPID, logged-in flag), so any
// commit that clears the current user clears the cookie, persist() writes it,
// and a start-up whose cookie is already in step writes nothing at all.
import { createIdentity } from '../../src';
import { checksum } from '../../src/cookie/format';
import { openIdbStores } from '../../src/store/open-store';
import type { IdentityClient, IdentityOptions, UserChangeEvent } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger } from '../client/fake-backend';

const cookieValue = () =>
  document.cookie
    .split('; ')
    .find((pair) => pair.startsWith('idsync='))
    ?.slice('idsync='.length);

const open: IdentityClient[] = [];
async function start(dbName: string, more: Partial<IdentityOptions> = {}) {
  const client = await createIdentity({
    backend: createFakeBackend(),
    dbName,
    logger: spyLogger(),
    cookie: {},
    ...more,
  });
  open.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const domain of ['; Domain=example.com', '']) {
    document.cookie = `idsync=; Path=/; Max-Age=0${domain}`;
  }
  jest.restoreAllMocks();
});

async function storedIdentityRevision(dbName: string): Promise<number> {
  const stores = await openIdbStores(dbName, spyLogger());
  const { identityRevision } = await stores.client.load();
  await stores.client.close();
  return identityRevision;
}

test("storage: 'memory' reads and writes no cookie, not even the domain probe; persist() writes it", async () => {
  const writes = jest.spyOn(document, 'cookie', 'set');
  const reads = jest.spyOn(document, 'cookie', 'get');
  const client = await start(freshDbName(), { storage: 'memory' });
  const login = await client.login({ userIdentities: { customerid: 'C1' } });
  await client.logout();
  await client.login({ userIdentities: { customerid: 'C1' } });
  expect(writes).not.toHaveBeenCalled();
  expect(reads).not.toHaveBeenCalled();

  await client.persist();
  expect(client.storage).toBe('indexeddb');
  expect(cookieValue()).toMatch(
    new RegExp(`^idsync\\.1\\.${client.deviceId}\\.${login.mpid}\\.1\\.\\d+\\.\\w+$`),
  );
});

test('a reset clears the cookie and moves the identity revision; the next user is written again', async () => {
  const dbName = freshDbName();
  const client = await start(dbName);
  await client.login({ userIdentities: { customerid: 'C1' } });
  const before = client.deviceId;
  const revision = await storedIdentityRevision(dbName);
  expect(cookieValue()).toContain(`.${before}.`);

  await client.reset({ deviceId: true });
  expect(cookieValue()).toBeUndefined();
  expect(client.deviceId).not.toBe(before);
  expect(await storedIdentityRevision(dbName)).toBeGreaterThan(revision);

  const next = await client.identify();
  expect(cookieValue()).toContain(`.${client.deviceId}.${next.mpid}.0.`);
});

test('a start-up whose cookie is in step writes nothing; the first write finds the domain once', async () => {
  const dbName = freshDbName();
  const writes = jest.spyOn(document, 'cookie', 'set');
  const first = await start(dbName);
  // A first visit: identify, then one write with the domain found by probing.
  const probes = writes.mock.calls.filter(([value]) => String(value).startsWith('idsync.probe='));
  expect(probes.length).toBeGreaterThan(0);
  expect(writes.mock.calls.at(-1)![0]).toMatch(/^idsync=idsync\.1\..*Domain=example\.com/);
  await first.close();

  writes.mockClear();
  const again = await start(dbName);
  expect(again.deviceId).toBe(first.deviceId);
  expect(writes).not.toHaveBeenCalled();
  // A change of user writes, and the domain is probed again only once per page load.
  await again.login({ userIdentities: { customerid: 'C7' } });
  expect(writes.mock.calls.map(([v]) => String(v).split('=')[0])).toContain('idsync');
});

test("a sibling's state on another device: adopted as a reset to that device ('reset', then 'sync')", async () => {
  const dbName = freshDbName();
  const client = await start(dbName);
  const anonymous = client.currentUser!.mpid;
  const events: UserChangeEvent[] = [];
  client.subscribe((event) => events.push(event));
  // What a sibling on another device wrote, at a higher revision.
  const body = `idsync.1.sibling-device.4242.1.${(await storedIdentityRevision(dbName)) + 5}`;
  document.cookie = `idsync=${body}.${checksum(body)}; Path=/; Domain=example.com`;

  window.dispatchEvent(new Event('focus'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(client.deviceId).toBe('sibling-device');
  expect(client.currentUser).toMatchObject({ mpid: '4242', isLoggedIn: true, identities: {} });
  expect(client.getUser(anonymous)).toBeNull(); // the other device's users are forgotten
  expect(events.map((e) => e.type)).toEqual(['reset', 'sync']);
  expect(events[1]).toMatchObject({ user: { mpid: '4242' } });
  // Committed: a restart holds it, with the cookie's revision.
  await client.close();
  const again = await start(dbName);
  expect(again.deviceId).toBe('sibling-device');
  expect(await storedIdentityRevision(dbName)).toBe(Number(body.split('.').pop()));
});
