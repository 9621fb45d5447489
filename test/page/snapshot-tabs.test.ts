import { createIdentity } from '../../src';
import type { IdentityClient, User, UserChangeEvent } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger } from '../client/fake-backend';

/**
 * getSnapshot across tabs: a change committed in another tab reaches this one
 * as a 'sync' event, and a binding that re-reads getSnapshot on each event
 * (useSyncExternalStore, a Svelte store, a Vue ref) sees a new snapshot each
 * time and the same one in between. Two clients on one database are two tabs.
 */
async function twoTabs() {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const open = (): Promise<IdentityClient> =>
    createIdentity({ backend, dbName, logger: spyLogger() });
  const a = await open();
  const b = await open();
  return { a, b, close: () => Promise.all([a.close(), b.close()]) };
}

/** A framework binding in miniature: re-reads getSnapshot on every event. */
function bind(client: IdentityClient) {
  const { subscribe, getSnapshot } = client;
  const seen: { event: UserChangeEvent; snapshot: User | null }[] = [];
  let waiting: (() => void) | null = null;
  subscribe((event) => {
    seen.push({ event, snapshot: getSnapshot() });
    waiting?.();
  });
  const nextEvent = () =>
    new Promise<UserChangeEvent>((resolve) => {
      const count = seen.length;
      waiting = () => {
        if (seen.length > count) resolve(seen[count]!.event);
      };
    });
  return { seen, nextEvent, read: getSnapshot };
}

describe("getSnapshot and 'sync' from another tab", () => {
  test('a login, an attribute write and a logout in tab A each give tab B a new snapshot', async () => {
    const { a, b, close } = await twoTabs();
    const bound = bind(b);
    const first = bound.read();
    expect(bound.read()).toBe(first);

    let synced = bound.nextEvent();
    const login = await a.login({ userIdentities: { customerid: 'ABC' } });
    const afterLogin = await synced;
    expect(afterLogin.type).toBe('sync');
    expect(afterLogin.user!.mpid).toBe(login.mpid);

    synced = bound.nextEvent();
    await a.currentUser!.setAttribute('plan', 'pro');
    const afterWrite = await synced;
    expect(afterWrite.type).toBe('sync');
    expect(afterWrite.user!.attributes).toEqual({ plan: 'pro' });

    synced = bound.nextEvent();
    await a.logout();
    expect((await synced).type).toBe('sync');

    const snapshots = [first, ...bound.seen.map((s) => s.snapshot)];
    expect(new Set(snapshots).size).toBe(snapshots.length); // new on every change
    for (const { event, snapshot } of bound.seen) expect(event.user).toBe(snapshot);
    expect(bound.read()).toBe(bound.seen[bound.seen.length - 1]!.snapshot); // stable since
    await close();
  });
});
