// Where an identity call's time goes (bench/call-timeline.mjs): the browser
// APIs the client uses are wrapped to note when each step starts and ends,
// relative to the call; a raw fetch and a raw one-put transaction, timed the
// same way, are the floor each step is compared with.
/* global IDSync */
(function () {
  let t0 = 0;
  let marks = null;
  const mark = (name) => marks?.push([name, performance.now() - t0]);

  /** Notes `name>` when `owner[method]` is called and `name<` when its promise or request settles. */
  function watch(owner, method, name) {
    const original = owner[method];
    owner[method] = function (...args) {
      mark(`${name}>`);
      const result = original.apply(this, args);
      if (result && typeof result.then === 'function') result.then(() => mark(`${name}<`));
      else if (result instanceof IDBRequest)
        result.addEventListener('success', () => mark(`${name}<`));
      return result;
    };
  }
  watch(LockManager.prototype, 'request', 'lock');
  watch(IDBObjectStore.prototype, 'get', 'get');
  watch(window, 'fetch', 'fetch');
  watch(Response.prototype, 'text', 'body');
  watch(Response.prototype, 'json', 'body');
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode) {
    const tx = transaction.call(this, stores, mode);
    const kind = mode === 'readwrite' ? 'write' : 'read';
    mark(`${kind}>`);
    tx.addEventListener('complete', () => mark(`${kind}<`));
    return tx;
  };

  /** The first time a mark was noted at or after `after`. */
  const at = (log, name, after = 0) => log.find(([n, t]) => n === name && t >= after)?.[1];

  /** One call's steps, in ms; undefined where the call had no such step. */
  function steps(log, end) {
    const lockAsked = at(log, 'lock>');
    const read = at(log, 'get>');
    const readDone = at(log, 'get<', read);
    const sent = at(log, 'fetch>');
    const bodyDone = at(log, 'body<', sent);
    const write = at(log, 'write>', bodyDone);
    const written = at(log, 'write<', write);
    return {
      'lock (request → granted)':
        lockAsked === undefined ? undefined : at(log, 'read>', lockAsked) - lockAsked,
      'revision read (one get)': readDone - read,
      'before the fetch, in all': sent,
      'fetch + body': bodyDone - sent,
      'answer checked → commit opened': write - bodyDone,
      'commit (one readwrite transaction)': written - write,
      'commit → call resolved': end - written,
      'whole call': end,
    };
  }

  async function timed(run) {
    marks = [];
    t0 = performance.now();
    await run();
    const end = performance.now() - t0;
    const log = marks;
    marks = null;
    return { log, end };
  }

  window.timeline = {
    async run({ baseUrl, apiKey, calls, run }) {
      const client = await IDSync.createIdentity({
        backend: new IDSync.HttpBackend({ baseUrl, apiKey }),
        dbName: `call-timeline-${run}`,
        environment: 'development',
      });
      const raw = await new Promise((resolve, reject) => {
        const open = indexedDB.open(`call-timeline-${run}-raw`, 1);
        open.onupgradeneeded = () => open.result.createObjectStore('answers');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const identities = (kind, i) =>
        kind === 'identify'
          ? { customerid: 'timeline-identify' }
          : { customerid: `timeline-${i % 2}` };
      const result = {};
      for (const kind of ['identify', 'login']) {
        const idsync = [];
        const floor = [];
        for (let i = 0; i < calls + 5; i++) {
          const call = await timed(() => client[kind]({ userIdentities: identities(kind, i) }));
          // The floor: the same request by hand, then one put of its answer.
          const bare = await timed(async () => {
            const response = await fetch(`${baseUrl}/${kind}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-mp-key': apiKey },
              body: JSON.stringify({
                client_sdk: { platform: 'web', sdk_vendor: 'timeline', sdk_version: '0' },
                environment: 'development',
                request_id: crypto.randomUUID(),
                request_timestamp_ms: Date.now(),
                previous_mpid: null,
                known_identities: {
                  ...identities(kind, i),
                  device_application_stamp: `raw-${run}`,
                },
              }),
            });
            const answer = await response.json();
            const tx = raw.transaction('answers', 'readwrite');
            tx.objectStore('answers').put(answer, 'last');
            await new Promise((resolve) => tx.addEventListener('complete', resolve));
          });
          if (i < 5) continue; // warm-up
          idsync.push(steps(call.log, call.end));
          floor.push(steps(bare.log, bare.end));
        }
        result[kind] = { idsync, floor };
      }
      await client.close();
      raw.close();
      return result;
    },
  };
})();
