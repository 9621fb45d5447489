// Resolver scale: the in-page resolver's IndexedDB seeded with N known
// profiles, then identify / login of existing and new users through the client.
/* global IDSync */
(function () {
  const SEED_BATCH = 10000;

  /** Profile i, exactly as IdbProfileStore stores it (identityKeys feeds its multiEntry index). */
  function storedProfile(i, now) {
    const identities = { customerid: `seed-${i}`, email: `seed-${i}@bench.test` };
    return {
      mpid: String(1_000_000_000_000 + i),
      identities,
      isKnown: true,
      createdAt: now,
      lastSeen: now,
      activity: [],
      aliasedFrom: [],
      identityKeys: Object.entries(identities).map(([type, value]) => `${type}\u0000${value}`),
    };
  }

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  /** Creates the database at the resolver's version 1 with its schema, then writes in big transactions. */
  async function seed(dbName, n) {
    await request(indexedDB.deleteDatabase(dbName));
    const open = indexedDB.open(dbName, 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      const profiles = db.createObjectStore('profiles', { keyPath: 'mpid' });
      profiles.createIndex('byIdentity', 'identityKeys', { multiEntry: true });
      db.createObjectStore('aliases', { keyPath: 'id' });
    };
    const db = await request(open);
    const now = Date.now();
    for (let from = 0; from < n; from += SEED_BATCH) {
      const tx = db.transaction('profiles', 'readwrite');
      const store = tx.objectStore('profiles');
      for (let i = from; i < Math.min(n, from + SEED_BATCH); i++) store.put(storedProfile(i, now));
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    }
    const count = await request(db.transaction('profiles').objectStore('profiles').count());
    db.close();
    return count;
  }

  const MPID_BASE = 1_000_000_000_000;
  /** seeded profile index for call i, spread over the whole set */
  const pick = (i, n) => Math.floor((((i * 7919) % 1000) / 1000) * n);

  /** One client per size, each over its own seeded resolver database. */
  async function seededClient(n, run) {
    const resolverDb = `scale-${run}-${n}-resolver`;
    const seedStart = performance.now();
    const seeded = await seed(resolverDb, n);
    const seedMs = performance.now() - seedStart;
    const resolver = new IDSync.LocalResolver({ strategy: 'conversion', dbName: resolverDb });
    const client = await IDSync.createIdentity({
      backend: resolver,
      dbName: `scale-${run}-${n}-client`,
    });
    const fresh = (i) => `new-${run}-${n}-${i}`;
    return {
      n,
      resolver,
      client,
      seeded,
      seedMs,
      kinds: {
        'identify existing': (i) =>
          client.identify({ userIdentities: { email: `seed-${pick(i, n)}@bench.test` } }),
        'identify new': (i) =>
          client.identify({ userIdentities: { email: `${fresh(i)}@bench.test` } }),
        'login existing': (i) =>
          client.login({ userIdentities: { customerid: `seed-${pick(i + 500, n)}` } }),
        'login new': (i) => client.login({ userIdentities: { customerid: fresh(i) } }),
      },
      expected: {
        'identify existing': (i) => String(MPID_BASE + pick(i, n)),
        'login existing': (i) => String(MPID_BASE + pick(i + 500, n)),
      },
    };
  }

  window.bench = {
    /**
     * Seeds every size first, then times the calls round-robin over sizes and
     * kinds, so that background work (the database compacting after a big
     * seed, other processes) falls on all sizes alike.
     */
    async run({ sizes, perKind, run, warmup = 3 }) {
      const setups = [];
      for (const n of sizes) setups.push(await seededClient(n, run));
      const samples = Object.fromEntries(
        sizes.map((n) => [n, Object.fromEntries(Object.keys(setups[0].kinds).map((k) => [k, []]))]),
      );
      for (let i = 0; i < warmup + perKind; i++) {
        for (let s = 0; s < setups.length; s++) {
          const setup = setups[(i + s) % setups.length];
          for (const [name, call] of Object.entries(setup.kinds)) {
            const start = performance.now();
            const result = await call(i);
            const ms = performance.now() - start;
            const expected = setup.expected[name]?.(i);
            if (expected !== undefined && result.mpid !== expected) {
              throw new Error(
                `${name} (${setup.n}): expected seeded ${expected}, got ${result.mpid}`,
              );
            }
            if (i >= warmup) samples[setup.n][name].push(ms);
          }
        }
      }
      const result = {};
      for (const setup of setups) {
        result[setup.n] = {
          seeded: setup.seeded,
          seedMs: setup.seedMs,
          samples: samples[setup.n],
        };
        await setup.client.close();
      }
      return result;
    },
  };
})();
