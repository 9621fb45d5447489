import { createIdentity } from '../../src';
import type { IdentityClient, IdentityOptions, User, UserChangeEvent } from '../../src/types';
import { createFakeBackend, fakeClock, freshDbName, spyLogger } from '../client/fake-backend';

/**
 * getSnapshot is what UI frameworks bind to (useSyncExternalStore, Svelte
 * stores, Vue refs): the same object until the current user changes, a new
 * one on every change, and every change announced to subscribe listeners.
 */
async function start(more: Partial<IdentityOptions> = {}) {
  const client = await createIdentity({
    backend: createFakeBackend(),
    dbName: freshDbName(),
    logger: spyLogger(),
    now: fakeClock().now,
    ...more,
  });
  // The store contract, checked at every notification: the event carries
  // what getSnapshot now returns, and it is a new object. (The client catches
  // listener errors, so breaches are collected and checked after each test.)
  const events: UserChangeEvent[] = [];
  let lastSeen = client.getSnapshot();
  client.subscribe((event) => {
    const snapshot = client.getSnapshot();
    if (event.user !== snapshot) breaches.push(`${event.type}: event.user is not getSnapshot()`);
    if (snapshot === lastSeen) breaches.push(`${event.type}: announced, snapshot unchanged`);
    lastSeen = snapshot;
    events.push(event);
  });
  return { client, events };
}

let breaches: string[] = [];
beforeEach(() => {
  breaches = [];
});
afterEach(() => {
  expect(breaches).toEqual([]);
});

/** Calls getSnapshot unbound, the way React and Svelte do. */
const read = (client: IdentityClient): User | null => {
  const { getSnapshot } = client;
  return getSnapshot();
};

describe('getSnapshot', () => {
  test('is currentUser, the same object between changes, and works unbound', async () => {
    const { client, events } = await start();
    const first = read(client);
    expect(first).not.toBeNull();
    expect(first).toBe(client.currentUser);
    expect(read(client)).toBe(first);

    await client.identify(); // nothing changes: same snapshot, no event
    expect(read(client)).toBe(first);
    expect(events).toHaveLength(0);
    await client.close();
  });

  test('is null before the first user, then the user of the first identify', async () => {
    const { client, events } = await start({ identifyOnInit: false });
    expect(read(client)).toBeNull();
    const result = await client.identify();
    expect(read(client)).toBe(result.user);
    expect(events.map((e) => e.type)).toEqual(['identify']);
    await client.close();
  });

  test('changes on every change of user or identities, each one announced', async () => {
    const { client, events } = await start();
    const snapshots = [read(client)];
    const step = async (call: () => Promise<unknown>) => {
      await call();
      const now = read(client);
      expect(read(client)).toBe(now); // stable again until the next change
      snapshots.push(now);
    };
    await step(() => client.login({ userIdentities: { customerid: 'C' } }));
    await step(() => client.modify({ userIdentities: { email: 'c@example.com' } }));
    await step(() => client.logout());
    await step(() => client.identify({ userIdentities: { other: 'o' } }));
    expect(new Set(snapshots).size).toBe(snapshots.length);
    expect(events.map((e) => e.type)).toEqual(['login', 'modify', 'logout', 'identify']);
    await client.close();
  });

  test('attribute and consent writes to the current user give a new snapshot and a same-MPID modify event', async () => {
    const { client, events } = await start();
    const before = read(client)!;

    await before.setAttribute('plan', 'pro');
    const afterAttribute = read(client)!;
    expect(afterAttribute).not.toBe(before);
    expect(afterAttribute.attributes).toEqual({ plan: 'pro' });
    expect(events[0]).toEqual({ type: 'modify', user: afterAttribute, previousUser: before });

    await afterAttribute.setConsent({ gdpr: { analytics: { consented: true, timestamp: 1 } } });
    const afterConsent = read(client)!;
    expect(afterConsent).not.toBe(afterAttribute);
    expect(events[1]).toEqual({ type: 'modify', user: afterConsent, previousUser: afterAttribute });

    // A write that changes nothing is no change: same snapshot, no event.
    await afterConsent.setAttribute('plan', 'pro');
    await afterConsent.removeAttribute('missing');
    expect(read(client)).toBe(afterConsent);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.user!.mpid === before.mpid)).toBe(true);
    await client.close();
  });

  test('writes to a user that is not current change neither the snapshot nor tell listeners', async () => {
    const { client, events } = await start();
    const anonymous = read(client)!;
    await client.login({ userIdentities: { customerid: 'C' } });
    const known = read(client);
    await client.getUser(anonymous.mpid)!.setAttribute('old', true);
    expect(read(client)).toBe(known);
    expect(events.map((e) => e.type)).toEqual(['login']);
    expect(client.getUser(anonymous.mpid)!.attributes).toEqual({ old: true });
    await client.close();
  });

  test("the onUserAlias hook's writes are carried by the call's own event, not announced first", async () => {
    const { client, events } = await start({
      onUserAlias: async (previous, next) => {
        await next.setAttribute('from', previous.mpid);
      },
    });
    const anonymous = read(client)!;
    const result = await client.login({ userIdentities: { customerid: 'C' } });
    expect(events.map((e) => e.type)).toEqual(['login']);
    expect(events[0]!.user!.attributes).toEqual({ from: anonymous.mpid });
    expect(read(client)).toBe(result.user);
    await client.close();
  });

  test('a failed write changes neither the snapshot nor tells listeners', async () => {
    const { client, events } = await start();
    const before = read(client)!;
    await expect(before.setAttribute('', 1)).rejects.toMatchObject({ code: 'validation' });
    await client.close();
    await expect(before.setAttribute('a', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(read(client)).toBe(before);
    expect(events).toHaveLength(0);
  });
});
