/** The stores' contract: index-based lookups, copies, all-or-nothing transactions. */
import { LocalResolver, MemoryProfileStore } from '../../src';
import type { ProfileLookup, ProfileStore } from '../../src';
import { IdbProfileStore } from '../../src/backends/local/idb-profile-store';
import { randomMpid } from '../../src/backends/local/mpid';
import type { Profile } from '../../src/types';
import { isMpid } from '../../src/validation/mpid';
import { mpidSequence, req, START } from './helpers';

function profile(mpid: string, identities: Profile['identities'], isKnown = false): Profile {
  return {
    mpid,
    identities,
    isKnown,
    createdAt: START,
    lastSeen: START,
    activity: [],
    aliasedFrom: [],
  };
}

/** Seeds `n` known profiles, each with its own customer id, e-mail and device id. */
function seeded(n: number): Profile[] {
  return Array.from({ length: n }, (_, i) =>
    profile(
      String(100_000 + i),
      { customerid: `c${i}`, email: `u${i}@example.com`, ios_idfv: `d${i}` },
      true,
    ),
  );
}

/** Counts the lookups a store's decisions perform. */
function counting(store: ProfileStore): { store: ProfileStore; lookups: () => number } {
  let lookups = 0;
  const wrapped: ProfileStore = Object.create(store) as ProfileStore;
  wrapped.transact = (decide) =>
    store.transact((lookup) => {
      const counted: ProfileLookup = {
        byIdentity: (type, value) => {
          lookups++;
          return lookup.byIdentity(type, value);
        },
        byMpid: (mpid) => {
          lookups++;
          return lookup.byMpid(mpid);
        },
      };
      return decide(counted);
    });
  return { store: wrapped, lookups: () => lookups };
}

describe('scale: lookups do not depend on the number of profiles', () => {
  async function lookupsFor(n: number) {
    const { store, lookups } = counting(
      new MemoryProfileStore({ profiles: seeded(n), aliases: [] }),
    );
    const resolver = new LocalResolver({ store, generateMpid: mpidSequence(), now: () => START });
    const before = await resolver.profiles();
    expect(before).toHaveLength(n);
    // a returning user, a new user, and a device-only request
    await resolver.login(req({ customerid: 'c5', email: 'u5@example.com', ios_idfv: 'd5' }));
    await resolver.login(req({ customerid: 'new', email: 'new@example.com', ios_idfv: 'd6' }));
    await resolver.identify(req({ ios_idfv: 'd7', device_application_stamp: 'w' }));
    return lookups();
  }

  test('10 vs 5,000 profiles: the same number of lookups', async () => {
    const small = await lookupsFor(10);
    const large = await lookupsFor(5_000);
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
  });
});

describe.each([
  ['memory', () => new MemoryProfileStore()],
  ['indexeddb', () => new IdbProfileStore(`store-test-${randomMpid()}`)],
] as const)('%s store', (_kind, create) => {
  let store: ProfileStore;
  beforeEach(() => {
    store = create();
  });
  afterEach(() => store.close());

  const put = (...profiles: Profile[]) =>
    store.transact(async () => ({ result: undefined, writes: { put: profiles } }));

  test('looks up by identity, additional values included, and by MPID', async () => {
    const p = profile('1', { email: 'a@x' });
    p.additionalIdentities = { email: ['b@x'] };
    await put(p, profile('2', { email: 'a@x', ios_idfv: 'd' }));
    const found = await store.transact(async (lookup) => ({
      result: {
        a: (await lookup.byIdentity('email', 'a@x')).map((x) => x.mpid).sort(),
        b: (await lookup.byIdentity('email', 'b@x')).map((x) => x.mpid),
        none: await lookup.byIdentity('customerid', 'a@x'),
        byMpid: await lookup.byMpid('2'),
      },
      writes: { put: [] },
    }));
    expect(found).toEqual({
      a: ['1', '2'],
      b: ['1'],
      none: [],
      byMpid: profile('2', { email: 'a@x', ios_idfv: 'd' }),
    });
    // the internal index keys never leak out
    expect(await store.get('1')).toEqual(p);
    expect(await store.all()).toHaveLength(2);
  });

  test('re-indexes a profile whose identities changed', async () => {
    await put(profile('1', { email: 'old@x' }));
    await put(profile('1', { email: 'new@x' }));
    const [oldHolders, newHolders] = await store.transact(async (lookup) => ({
      result: [
        await lookup.byIdentity('email', 'old@x'),
        await lookup.byIdentity('email', 'new@x'),
      ],
      writes: { put: [] },
    }));
    expect(oldHolders).toEqual([]);
    expect(newHolders?.map((x) => x.mpid)).toEqual(['1']);
  });

  test('a decision that throws writes nothing, and the store keeps working', async () => {
    await put(profile('1', { email: 'a@x' }));
    await expect(
      store.transact(async (lookup) => {
        const p = await lookup.byMpid('1');
        if (p) p.identities.email = 'changed@x';
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    expect((await store.get('1'))?.identities).toEqual({ email: 'a@x' });
    await put(profile('2', {}));
    expect(await store.all()).toHaveLength(2);
  });

  test('profiles handed out are copies', async () => {
    await put(profile('1', { email: 'a@x' }));
    const p = await store.get('1');
    if (p) p.identities.email = 'mutated@x';
    expect((await store.get('1'))?.identities.email).toBe('a@x');
  });

  test('pending aliases: oldest first, removable', async () => {
    const request = { sourceMpid: '1', destinationMpid: '2', startTime: 0, endTime: 1 };
    await store.addAlias({ id: 'b', request, acceptedAt: 20, dueAt: 30 });
    await store.addAlias({ id: 'a', request, acceptedAt: 10, dueAt: 40 });
    expect((await store.pendingAliases()).map((a) => a.id)).toEqual(['a', 'b']);
    await store.removeAlias('a');
    expect((await store.pendingAliases()).map((a) => a.id)).toEqual(['b']);
  });
});

test('MemoryProfileStore: snapshot and restore round-trip as deep copies', async () => {
  const store = new MemoryProfileStore();
  await store.transact(async () => ({
    result: undefined,
    writes: { put: [profile('1', { email: 'a@x' })] },
  }));
  await store.addAlias({
    id: 'x',
    request: { sourceMpid: '1', destinationMpid: '2', startTime: 0, endTime: 1 },
    acceptedAt: 1,
    dueAt: 2,
  });
  const snapshot = store.snapshot();
  snapshot.profiles[0]!.identities.email = 'mutated@x';
  expect((await store.get('1'))?.identities.email).toBe('a@x');
  const restored = new MemoryProfileStore(store.snapshot());
  expect(await restored.all()).toEqual(await store.all());
  expect(await restored.pendingAliases()).toEqual(await store.pendingAliases());
  const found = await restored.transact(async (lookup) => ({
    result: await lookup.byIdentity('email', 'a@x'),
    writes: { put: [] },
  }));
  expect(found.map((p) => p.mpid)).toEqual(['1']);
});

test('randomMpid: signed 64-bit decimal strings, never "0"', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const mpid = randomMpid();
    expect(isMpid(mpid)).toBe(true);
    expect(mpid).not.toBe('0');
    seen.add(mpid);
  }
  expect(seen.size).toBe(200);
});

test('an injected generator that repeats an MPID never overwrites a profile', async () => {
  const resolver = new LocalResolver({ dbName: false, generateMpid: () => '1234' });
  await resolver.identify(req({ ios_idfv: 'a' }));
  await expect(resolver.identify(req({ ios_idfv: 'b' }))).rejects.toMatchObject({
    code: 'server',
  });
  expect(await resolver.profiles()).toHaveLength(1);
});

describe('LocalResolver over IndexedDB, shared like two tabs', () => {
  test('two resolvers on one database take turns: one device id, one profile', async () => {
    const dbName = `shared-${randomMpid()}`;
    const a = new LocalResolver({ dbName, strategy: 'isolation', now: () => START });
    const b = new LocalResolver({ dbName, strategy: 'isolation', now: () => START });
    const [ra, rb] = await Promise.all([
      a.identify(req({ ios_idfv: 'same' })),
      b.identify(req({ ios_idfv: 'same' })),
    ]);
    expect(ra.mpid).toBe(rb.mpid);
    expect(await a.profiles()).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });

  test('a newer version opened elsewhere is not blocked: the resolver steps aside', async () => {
    const dbName = `upgrade-${randomMpid()}`;
    const resolver = new LocalResolver({ dbName, now: () => START });
    await resolver.identify(req({ ios_idfv: 'x' }));
    const outcome = await new Promise<string>((resolve) => {
      const open = indexedDB.open(dbName, 2);
      open.onblocked = () => resolve('blocked');
      open.onsuccess = () => {
        open.result.close();
        resolve('opened');
      };
      open.onerror = () => resolve('error');
    });
    expect(outcome).toBe('opened');
    // the database is now newer than this code knows: a storage error, not a crash
    await expect(resolver.profiles()).rejects.toMatchObject({ code: 'storage' });
    await resolver.close();
  });

  test('close() releases the store; a later call opens it again with the data intact', async () => {
    for (const dbName of [false, `reopen-${randomMpid()}`] as const) {
      const resolver = new LocalResolver({ dbName, now: () => START });
      const { mpid } = await resolver.identify(req({ ios_idfv: 'x' }));
      await resolver.close();
      expect((await resolver.identify(req({ ios_idfv: 'x' }))).mpid).toBe(mpid);
      await resolver.close();
    }
  });
});
