/**
 * @jest-environment-options {"url": "https://a.example.com/app/"}
 */
// The client with the `cookie` option, in jsdom's own cookie jar: two
// clients on two databases over one jar are two sibling subdomains (one
// cookie for example.com, one IndexedDB each).
import { createIdentity, IdentityError } from '../../src';
import { checksum } from '../../src/cookie/format';
import { openIdbStores } from '../../src/store/open-store';
import type { IdentityClient, IdentityOptions, UserChangeEvent } from '../../src/types';
import {
  createFakeBackend,
  freshDbName,
  spyLogger,
  type FakeBackend,
  type SpyLogger,
} from '../client/fake-backend';

let mockCookieChunkLoads = 0;
let mockMirrorsMade = 0;
jest.mock('../../src/client/cookie-mirror', () => {
  mockCookieChunkLoads++;
  const actual: typeof import('../../src/client/cookie-mirror') = jest.requireActual(
    '../../src/client/cookie-mirror',
  );
  return {
    ...actual,
    createCookieMirror: (...args: Parameters<typeof actual.createCookieMirror>) => {
      mockMirrorsMade++;
      return actual.createCookieMirror(...args);
    },
  };
});

const open: IdentityClient[] = [];

async function start(
  backend: FakeBackend,
  dbName: string,
  more: Partial<IdentityOptions> = {},
): Promise<IdentityClient & { logger: SpyLogger }> {
  const logger = spyLogger();
  const client = await createIdentity({ backend, dbName, logger, cookie: {}, ...more });
  open.push(client);
  return Object.assign(client, { logger });
}

/** The identity cookie's value, or undefined. */
function cookieValue(): string | undefined {
  const pair = document.cookie.split('; ').find((p) => p.startsWith('idsync='));
  return pair?.slice('idsync='.length);
}

function decoded() {
  const [, , deviceId, mpid, flag, revision] = (cookieValue() ?? '').split('.');
  return { deviceId, mpid: mpid || null, isLoggedIn: flag === '1', revision: Number(revision) };
}

/** A value the decoder accepts (its checksum right). */
function valid(deviceId: string, mpid: string, loggedIn: boolean, revision: number): string {
  const body = `idsync.1.${deviceId}.${mpid}.${+loggedIn}.${revision}`;
  return `${body}.${checksum(body)}`;
}

function setCookie(value: string): void {
  document.cookie = `idsync=${value}; Path=/; Domain=example.com; Max-Age=600`;
}

const warnings = (logger: SpyLogger) =>
  logger.warn.mock.calls.filter((c) => String(c[0]).includes('identity cookie'));

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const domain of ['; Domain=example.com', '']) {
    document.cookie = `idsync=; Path=/; Max-Age=0${domain}`;
  }
  delete (globalThis as { fetch?: unknown }).fetch;
});

describe('the cookie option', () => {
  test('cookie: false (the default): no cookie written, the cookie code never loaded', async () => {
    const loadsBefore = mockCookieChunkLoads;
    const writes = jest.spyOn(document, 'cookie', 'set');
    const client = await start(createFakeBackend(), freshDbName(), { cookie: undefined });
    await client.login({ userIdentities: { customerid: 'C1' } });
    const other = await start(createFakeBackend(), freshDbName(), { cookie: false });
    await other.logout();
    expect(writes).not.toHaveBeenCalled();
    expect(document.cookie).toBe('');
    expect(mockCookieChunkLoads).toBe(loadsBefore);
    writes.mockRestore();
  });

  test('a commit that changes the device or the current user writes the cookie; attributes do not', async () => {
    const backend = createFakeBackend();
    const client = await start(backend, freshDbName());
    const afterStart = decoded();
    expect(afterStart).toMatchObject({
      deviceId: client.deviceId,
      mpid: '1001',
      isLoggedIn: false,
    });
    const result = await client.login({ userIdentities: { customerid: 'C1', email: 'e@x.io' } });
    const afterLogin = decoded();
    expect(afterLogin).toMatchObject({ mpid: result.mpid, isLoggedIn: true });
    expect(afterLogin.revision).toBeGreaterThan(afterStart.revision);
    const value = cookieValue();
    await client.currentUser!.setAttribute('plan', 'pro');
    expect(cookieValue()).toBe(value);
    // Nothing personal: no identity value of any user.
    for (const identity of ['C1', 'e@x.io', 'customerid', 'email']) {
      expect(document.cookie).not.toContain(identity);
    }
  });

  test('bad options reject createIdentity with validation naming the field', async () => {
    const dbName = freshDbName();
    for (const cookie of ['yes', null, 0, '']) {
      await expect(
        createIdentity({ backend: createFakeBackend(), dbName, cookie: cookie as never }),
      ).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('cookie') });
    }
    // Checked before anything is opened: no database was created.
    expect((await indexedDB.databases()).some((db) => db.name === dbName)).toBe(false);
    await expect(
      createIdentity({
        backend: createFakeBackend(),
        dbName: freshDbName(),
        cookie: { maxAgeDays: 900 },
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('cookie.maxAgeDays'),
    });
  });
});

describe('start-up order', () => {
  test('IndexedDB wiped, cookie left: device id and user restored, no request, durable', async () => {
    const first = await start(createFakeBackend(), freshDbName());
    const login = await first.login({ userIdentities: { customerid: 'C1' } });
    const wiped = freshDbName(); // an empty IndexedDB: what Safari leaves after its 7 days
    const backend = createFakeBackend();
    const restored = await start(backend, wiped);
    expect(backend.calls).toHaveLength(0);
    expect(restored.deviceId).toBe(first.deviceId);
    expect(restored.currentUser).toMatchObject({
      mpid: login.mpid,
      isLoggedIn: true,
      identities: {}, // seen only through the cookie: none until a call returns them
    });
    // Committed before createIdentity resolved.
    const stores = await openIdbStores(wiped, spyLogger());
    const stored = await stores.client.load();
    await stores.client.close();
    expect(stored).toMatchObject({ deviceId: first.deviceId, currentMpid: login.mpid });
    expect(stored.identityRevision).toBe(decoded().revision);
    // The next call sends the adopted user as previousMpid and learns its identities.
    await restored.identify({ userIdentities: { customerid: 'C1' } });
    expect(backend.calls[0]!.request).toMatchObject({ previousMpid: login.mpid });
  });

  test('the newer of IndexedDB and the cookie wins: a sibling that moved the cookie', async () => {
    const dbA = freshDbName();
    const backend = createFakeBackend(); // one identity service for both siblings
    const a = await start(backend, dbA);
    const anonymous = a.currentUser!.mpid;
    await a.close();
    // b logs in: the cookie moves past what a's IndexedDB holds.
    const b = await start(backend, freshDbName());
    const login = await b.login({ userIdentities: { customerid: 'C9' } });
    expect(login.mpid).not.toBe(anonymous);
    const calls = backend.calls.length;
    const reopened = await start(backend, dbA);
    expect(backend.calls).toHaveLength(calls);
    expect(reopened.deviceId).toBe(b.deviceId);
    expect(reopened.currentUser).toMatchObject({ mpid: login.mpid, isLoggedIn: true });
    // a's own anonymous user is still known, no longer current.
    expect(reopened.getUser(anonymous)).not.toBeNull();
  });

  test('bootstrap wins over a stale stored user and over the cookie, with no request', async () => {
    const dbName = freshDbName();
    const first = await start(createFakeBackend(), dbName);
    await first.close();
    const backend = createFakeBackend();
    const client = await start(backend, dbName, {
      bootstrap: {
        deviceId: 'server-device',
        mpid: '777',
        isLoggedIn: true,
        userIdentities: { customerid: 'S1' },
      },
    });
    expect(backend.calls).toHaveLength(0);
    expect(client.deviceId).toBe('server-device');
    expect(client.currentUser).toMatchObject({
      mpid: '777',
      isLoggedIn: true,
      identities: { customerid: 'S1' },
    });
    // ...and the cookie now says so, for the siblings.
    expect(decoded()).toMatchObject({ deviceId: 'server-device', mpid: '777', isLoggedIn: true });
    expect(document.cookie).not.toContain('S1');
  });

  test('bootstrap alone: applied with no request, and neither the cookie code nor a cookie', async () => {
    const mirrorsBefore = mockMirrorsMade;
    await start(createFakeBackend(), freshDbName()); // the cookie option: one mirror
    expect(mockMirrorsMade).toBe(mirrorsBefore + 1);
    const writes = jest.spyOn(document, 'cookie', 'set');
    const backend = createFakeBackend();
    const client = await start(backend, freshDbName(), {
      cookie: false,
      bootstrap: { mpid: '4711', isLoggedIn: true },
    });
    expect(backend.calls).toHaveLength(0);
    expect(client.currentUser).toMatchObject({ mpid: '4711', isLoggedIn: true });
    expect(writes).not.toHaveBeenCalled();
    expect(mockMirrorsMade).toBe(mirrorsBefore + 1);
    writes.mockRestore();
  });

  test('bootstrap with a bad field rejects with validation naming it; nothing changes', async () => {
    const dbName = freshDbName();
    const first = await start(createFakeBackend(), dbName);
    const before = { deviceId: first.deviceId, mpid: first.currentUser!.mpid };
    const value = cookieValue();
    await first.close();
    for (const [bootstrap, field] of [
      [{ mpid: '12ab' }, 'bootstrap.mpid'],
      [{ deviceId: 'has.dots' }, 'bootstrap.deviceId'],
      [{ isLoggedIn: true }, 'bootstrap.isLoggedIn'],
      [{ mpid: '5', userIdentities: { nope: 'x' } }, 'bootstrap.userIdentities'],
      [{ extra: 1 }, 'bootstrap.extra'],
    ] as const) {
      const error = await createIdentity({
        backend: createFakeBackend(),
        dbName,
        cookie: {},
        bootstrap: bootstrap as never,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdentityError);
      expect(error).toMatchObject({ code: 'validation', message: expect.stringContaining(field) });
    }
    const again = await start(createFakeBackend(), dbName);
    expect({ deviceId: again.deviceId, mpid: again.currentUser!.mpid }).toEqual(before);
    expect(cookieValue()).toBe(value);
  });

  test('identifyOnInit is sent when the stored user lacks the login identities it names', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const first = await start(backend, dbName);
    await first.login({ userIdentities: { customerid: 'C1', email: 'one@x.io' } });
    await first.close();
    const calls = backend.calls.length;

    const same = await start(backend, dbName, {
      identifyOnInit: { userIdentities: { customerid: 'C1' } },
    });
    expect(backend.calls).toHaveLength(calls); // the stored user has it: nothing sent
    await same.close();

    const other = await start(backend, dbName, {
      identifyOnInit: { userIdentities: { customerid: 'C2' } },
    });
    expect(backend.calls).toHaveLength(calls + 1);
    expect(backend.calls[calls]).toMatchObject({
      method: 'identify',
      request: { knownIdentities: { customerid: 'C2' } },
    });
    expect(other.currentUser?.identities.customerid).toBe('C2');
  });
});

describe('siblings', () => {
  test('a login on a sibling is adopted on focus, announced as sync, and before the next call', async () => {
    const a = await start(createFakeBackend(), freshDbName());
    const b = await start(createFakeBackend(), freshDbName());
    expect(b.deviceId).toBe(a.deviceId); // b started from a's cookie
    const events: UserChangeEvent[] = [];
    a.subscribe((event) => events.push(event));
    const login = await b.login({ userIdentities: { email: 'b@x.io' } });

    window.dispatchEvent(new Event('focus'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'sync', user: { mpid: login.mpid, isLoggedIn: true } });
    expect(a.currentUser).toMatchObject({ mpid: login.mpid, identities: {} });

    // A change c has not seen yet (no focus) is adopted before its next call.
    const backendC = createFakeBackend();
    const c = await start(backendC, freshDbName());
    const cEvents: UserChangeEvent[] = [];
    c.subscribe((event) => cEvents.push(event));
    const second = await b.login({ userIdentities: { email: 'b2@x.io' } });
    await c.identify();
    expect(backendC.calls[0]!.request).toMatchObject({ previousMpid: second.mpid });
    expect(cEvents[0]).toMatchObject({ type: 'sync', user: { mpid: second.mpid } });
  });
});

describe('refreshUrl', () => {
  test('POSTs the state after each change, keepalive; a failure is logged once, never thrown', async () => {
    const fetch = jest.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    (globalThis as { fetch?: unknown }).fetch = fetch;
    const client = await start(createFakeBackend(), freshDbName(), {
      cookie: { refreshUrl: '/idsync/cookie' },
    });
    const login = await client.login({ userIdentities: { customerid: 'C1' } });
    const afterLogin = decoded();
    await client.logout();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fetch).toHaveBeenCalledTimes(3); // start-up's identify, login, logout
    const [url, init] = fetch.mock.calls[1] as [string, RequestInit];
    expect(url).toBe('https://a.example.com/idsync/cookie');
    expect(init).toMatchObject({ method: 'POST', keepalive: true });
    expect(JSON.parse(init.body as string)).toEqual({
      deviceId: client.deviceId,
      mpid: login.mpid,
      isLoggedIn: true,
      revision: afterLogin.revision,
      domain: 'example.com',
    });
    const refreshWarnings = client.logger.warn.mock.calls.filter((c) =>
      String(c[0]).includes('refresh'),
    );
    expect(refreshWarnings).toHaveLength(1);
  });
});

describe('bad cookies lose nothing', () => {
  const bad = (deviceId: string, mpid: string): Record<string, string> => {
    const good = valid(deviceId, mpid, true, 500);
    return {
      tampered: good.replace(`.${mpid}.`, `.${mpid.replace(/.$/, '9')}.`),
      truncated: good.slice(0, -4),
      oversized: `${good}${'0'.repeat(200)}`,
      foreign: 'GA1.2.123456.789',
      version: `idsync.2.${deviceId}.${mpid}.1.500.abc`,
    };
  };

  test.each(['tampered', 'truncated', 'oversized', 'foreign', 'version'])(
    'a %s cookie: ignored with one warning, IndexedDB stands',
    async (kind) => {
      const dbName = freshDbName();
      const first = await start(createFakeBackend(), dbName);
      const before = { deviceId: first.deviceId, mpid: first.currentUser!.mpid };
      await first.close();
      setCookie(bad('other-device', '4242')[kind]!);
      const backend = createFakeBackend();
      const client = await start(backend, dbName);
      expect(backend.calls).toHaveLength(0);
      expect({ deviceId: client.deviceId, mpid: client.currentUser!.mpid }).toEqual(before);
      // Focus and a call look again: still one warning.
      window.dispatchEvent(new Event('focus'));
      await client.identify();
      expect(client.deviceId).toBe(before.deviceId);
      expect(warnings(client.logger)).toHaveLength(1);
    },
  );

  test('an outdated cookie (older revision, another user) is ignored with one warning', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const first = await start(backend, dbName);
    await first.login({ userIdentities: { customerid: 'C1' } });
    const { revision } = decoded();
    const before = { deviceId: first.deviceId, mpid: first.currentUser!.mpid };
    await first.close();
    setCookie(valid(first.deviceId, '31337', false, revision - 1));
    const client = await start(backend, dbName);
    expect({ deviceId: client.deviceId, mpid: client.currentUser!.mpid }).toEqual(before);
    window.dispatchEvent(new Event('focus'));
    await client.identify({ userIdentities: { customerid: 'C1' } });
    expect(client.currentUser!.mpid).toBe(before.mpid);
    expect(warnings(client.logger)).toHaveLength(1);
    expect(String(warnings(client.logger)[0]![0])).toContain('older');
  });

  test('a bad cookie on a fresh IndexedDB: not adopted, a new device as usual', async () => {
    setCookie(valid('other-device', '4242', true, 500).slice(0, -3));
    const backend = createFakeBackend();
    const client = await start(backend, freshDbName());
    expect(client.deviceId).not.toBe('other-device');
    expect(backend.calls.map((c) => c.method)).toEqual(['identify']);
    expect(warnings(client.logger)).toHaveLength(1);
  });
});
