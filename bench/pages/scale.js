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

  window.bench = {
    /** Seeds N profiles, then times `perKind` calls of each kind, interleaved. */
    async run({ n, perKind, run }) {
      const resolverDb = `scale-${run}-${n}-resolver`;
      const seedStart = performance.now();
      const seeded = await seed(resolverDb, n);
      const seedMs = performance.now() - seedStart;
      const resolver = new IDSync.LocalResolver({ strategy: 'conversion', dbName: resolverDb });
      const client = await IDSync.createIdentity({
        backend: resolver,
        dbName: `scale-${run}-${n}-client`,
      });
      const pick = (i) => Math.floor((((i * 7919) % 1000) / 1000) * n); // spread over the whole set
      const kinds = {
        'identify existing': (i) =>
          client.identify({ userIdentities: { email: `seed-${pick(i)}@bench.test` } }),
        'identify new': (i) =>
          client.identify({ userIdentities: { email: `new-${run}-${n}-${i}@bench.test` } }),
        'login existing': (i) =>
          client.login({ userIdentities: { customerid: `seed-${pick(i + 500)}` } }),
        'login new': (i) =>
          client.login({ userIdentities: { customerid: `new-${run}-${n}-${i}` } }),
      };
      const names = Object.keys(kinds);
      const samples = Object.fromEntries(names.map((name) => [name, []]));
      const warmup = 3;
      for (let i = 0; i < warmup + perKind; i++) {
        for (const name of names) {
          const start = performance.now();
          const result = await kinds[name](i);
          const ms = performance.now() - start;
          if (
            name.endsWith('existing') &&
            result.mpid !== String(1_000_000_000_000 + pick(name.startsWith('login') ? i + 500 : i))
          ) {
            throw new Error(`${name}: expected a seeded profile, got ${result.mpid}`);
          }
          if (i >= warmup) samples[name].push(ms);
        }
      }
      const profiles = (await resolver.profiles()).length;
      await client.close();
      return { seeded, seedMs, profiles, samples };
    },
  };
})();
