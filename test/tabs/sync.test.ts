import { createIdentity } from '../../src';
import { openIdbStores } from '../../src/store/open-store';
import type { BackendRequest, IdentityClient, IdentityOptions } from '../../src/types';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { nextEvent, recordEvents, withoutBroadcastChannel } from './tabs';

/** Two tabs: two clients on one database and one backend (the same service). */
async function twoTabs(more: Partial<IdentityOptions> = {}) {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const open = (): Promise<IdentityClient> =>
    createIdentity({ backend, dbName, logger: spyLogger(), ...more });
  const a = await open();
  const b = await open();
  return { a, b, backend, dbName, close: () => Promise.all([a.close(), b.close()]) };
}

describe('BroadcastChannel: a commit in one tab reaches the others', () => {
  test('the second tab restores the first one: same device, same current user', async () => {
    const { a, b, backend, close } = await twoTabs();
    expect(backend.calls.map((c) => c.method)).toEqual(['identify']);
    expect(b.deviceId).toBe(a.deviceId);
    expect(b.currentUser!.mpid).toBe(a.currentUser!.mpid);
    await close();
  });

  test('login in one tab: the other tells a sync event and already holds the new user', async () => {
    const { a, b, close } = await twoTabs();
    const anonymous = b.currentUser!;
    const seen: (string | undefined)[] = [];
    // Applied before listeners are told: currentUser is the new one inside the event.
    b.subscribe(() => seen.push(b.currentUser?.mpid));
    const synced = nextEvent(b);
    const result = await a.login({ userIdentities: { customerid: 'ABC' } });
    const event = await synced;
    expect(event.user!.mpid).toBe(result.mpid);
    expect(event.previousUser).toBe(anonymous);
    expect(b.currentUser).toBe(event.user);
    expect(b.currentUser).toMatchObject({ isLoggedIn: true, identities: { customerid: 'ABC' } });
    expect(seen).toEqual([result.mpid]);
    expect(stateOf(b)).toEqual(stateOf(a));
    await close();
  });

  test('logout and modify travel too', async () => {
    const { a, b, close } = await twoTabs();
    await a.login({ userIdentities: { customerid: 'ABC' } });
    await nextEvent(b);
    const afterLogout = nextEvent(b);
    const out = await a.logout();
    expect((await afterLogout).user!.mpid).toBe(out.mpid);
    await a.login({ userIdentities: { customerid: 'ABC' } });
    await nextEvent(b);
    const afterModify = nextEvent(b);
    await a.modify({ userIdentities: { email: 'new@example.com' } });
    const event = await afterModify;
    expect(event.user!.identities.email).toBe('new@example.com');
    expect(event.previousUser!.mpid).toBe(event.user!.mpid);
    expect(stateOf(b)).toEqual(stateOf(a));
    await close();
  });

  test('attribute and consent writes on the current user are synced', async () => {
    const { a, b, close } = await twoTabs();
    const before = b.currentUser;
    const synced = nextEvent(b);
    await a.currentUser!.setAttribute('plan', 'pro');
    const event = await synced;
    expect(event.previousUser).toBe(before);
    expect(b.currentUser!.attributes).toEqual({ plan: 'pro' });
    const consent = { gdpr: { analytics: { consented: true, timestamp: 5 } } };
    const again = nextEvent(b);
    await a.currentUser!.setConsent(consent);
    await again;
    expect(b.currentUser!.consent).toEqual(consent);
    await close();
  });

  test('a write to another user updates it silently; the current snapshot stays the same object', async () => {
    const { a, b, close } = await twoTabs();
    const anonymousMpid = a.currentUser!.mpid;
    await a.login({ userIdentities: { customerid: 'ABC' } });
    await nextEvent(b);
    const current = b.currentUser;
    const events = recordEvents(b);
    // A marker write on the current user, after the other one: when B tells it, both arrived.
    await a.getUser(anonymousMpid)!.setAttribute('old', true);
    const marker = nextEvent(b);
    await a.currentUser!.setAttribute('marker', 1);
    await marker;
    expect(events).toHaveLength(1);
    expect(b.getUser(anonymousMpid)!.attributes).toEqual({ old: true });
    expect(events[0]!.previousUser).toBe(current);
    await close();
  });

  test('a tab never hears its own commits', async () => {
    const { a, b, close } = await twoTabs();
    const events = recordEvents(a);
    const synced = nextEvent(b);
    await a.login({ userIdentities: { customerid: 'ABC' } });
    await synced;
    expect(events.map((e) => e.type)).toEqual(['login']);
    await close();
  });

  test('a write in the second tab reaches the first just the same', async () => {
    const { a, b, close } = await twoTabs();
    const synced = nextEvent(a);
    const result = await b.login({ userIdentities: { email: 'b@example.com' } });
    expect((await synced).user!.mpid).toBe(result.mpid);
    await close();
  });

  test('messages of the wrong shape are ignored', async () => {
    const { a, b, dbName, close } = await twoTabs();
    const before = stateOf(b);
    const events = recordEvents(b);
    const channel = new BroadcastChannel(`idsync:${dbName}`);
    const record = { ...a.currentUser!, attributes: { x: 1 } };
    // The revision the store holds: the good message below is the next commit.
    const { client: store } = await openIdbStores(dbName, spyLogger());
    const revision = (await store.readRevision()) + 1;
    await store.close();
    const valid = { from: 'other', revision, put: [], delete: [] };
    const junk: unknown[] = [
      null,
      'text',
      { revision, put: [], delete: [] },
      { ...valid, put: 'no' },
      { ...valid, put: [{ mpid: 'not-an-mpid' }] },
      { ...valid, currentMpid: 'abc' },
      { ...valid, put: [{ ...JSON.parse(JSON.stringify(record)), isLoggedIn: 'yes' }] },
      { ...valid, revision: 'next' },
      { ...valid, revision: 0 },
      { ...valid, delete: ['not-an-mpid'] },
      { ...valid, delete: undefined },
      { ...valid, context: 42 },
    ];
    for (const message of junk) channel.postMessage(message);
    // Then a good one from the same sender: messages arrive in order.
    const good = nextEvent(b);
    channel.postMessage({ ...valid, put: [JSON.parse(JSON.stringify(record))] });
    await good;
    expect(events).toHaveLength(1);
    expect(b.currentUser!.attributes).toEqual({ x: 1 });
    // That good message is the only change.
    const after = stateOf(b) as {
      currentUser: { attributes: object };
      users: { attributes: object }[];
    };
    after.currentUser.attributes = {};
    after.users[0]!.attributes = {};
    expect(after).toEqual(before);
    channel.close();
    await close();
  });

  test('a closed client hears nothing', async () => {
    const { a, b, backend, dbName, close } = await twoTabs();
    const c = await createIdentity({ backend, dbName, logger: spyLogger() });
    await b.close();
    const events = recordEvents(b);
    const current = b.currentUser;
    const heard = nextEvent(c);
    await a.login({ userIdentities: { customerid: 'ABC' } });
    await heard; // a third tab heard it: the message was sent
    expect(events).toEqual([]);
    expect(b.currentUser).toBe(current);
    await c.close();
    await close();
  });

  test("storage: 'memory' tabs are independent devices: no channel, nothing shared", async () => {
    const Real = globalThis.BroadcastChannel;
    let opened = 0;
    globalThis.BroadcastChannel = class extends Real {
      constructor(name: string) {
        super(name);
        opened += 1;
      }
    };
    try {
      const { a, b, backend, close } = await twoTabs({ storage: 'memory' });
      expect(opened).toBe(0);
      expect(b.deviceId).not.toBe(a.deviceId);
      expect(backend.calls).toHaveLength(2);
      await close();
    } finally {
      globalThis.BroadcastChannel = Real;
    }
  });
});

describe('without BroadcastChannel: re-read the store', () => {
  let restore: () => void;
  beforeEach(() => {
    restore = withoutBroadcastChannel();
  });
  afterEach(() => restore());

  test('on focus and when the page becomes visible, the other tab re-reads and tells sync', async () => {
    const { a, b, close } = await twoTabs();
    const events = recordEvents(b);
    const result = await a.login({ userIdentities: { customerid: 'ABC' } });
    expect(events).toEqual([]); // nobody told it yet
    const synced = nextEvent(b);
    window.dispatchEvent(new Event('focus'));
    expect((await synced).user!.mpid).toBe(result.mpid);

    const again = nextEvent(b);
    await a.currentUser!.setAttribute('plan', 'pro');
    document.dispatchEvent(new Event('visibilitychange'));
    await again;
    expect(b.currentUser!.attributes).toEqual({ plan: 'pro' });
    await close();
  });

  test('before every identity call: previousMpid comes from the store, never stale', async () => {
    const { a, b, backend, close } = await twoTabs();
    const login = await a.login({ userIdentities: { customerid: 'ABC' } });
    const synced = nextEvent(b);
    await b.logout();
    expect((await synced).user!.mpid).toBe(login.mpid);
    const sent = backend.calls.at(-1)!.request as BackendRequest;
    expect(sent.previousMpid).toBe(login.mpid);
    await close();
  });
});

test('a BroadcastChannel that refuses to open: the focus re-read takes over', async () => {
  const Real = globalThis.BroadcastChannel;
  globalThis.BroadcastChannel = class {
    constructor() {
      throw new DOMException('opaque origin', 'SecurityError');
    }
  } as unknown as typeof BroadcastChannel;
  try {
    const { a, b, close } = await twoTabs();
    const result = await a.login({ userIdentities: { customerid: 'ABC' } });
    const synced = nextEvent(b);
    window.dispatchEvent(new Event('focus'));
    expect((await synced).user!.mpid).toBe(result.mpid);
    await close();
  } finally {
    globalThis.BroadcastChannel = Real;
  }
});
