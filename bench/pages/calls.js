// Identity call cost, measured inside the page so that no Playwright round
// trip is timed: idsync-web over HTTP (HttpBackend), the mParticle Web SDK and
// a raw fetch of the same IDSync v1 request, interleaved, against one local
// IDSync server; idsync-web against the in-page resolver (no HTTP); and the
// loops the memory measurement drives.
/* global IDSync, mParticle */
(function () {
  const API_KEY = 'bench-key';
  const IDENTIFY = { customerid: 'bench-identify', email: 'identify@bench.test' };
  const LOGIN = [
    { customerid: 'bench-login-a', email: 'a@bench.test' },
    { customerid: 'bench-login-b', email: 'b@bench.test' },
  ];
  const CLIENT_SDK = { platform: 'web', sdk_vendor: 'idsync-web', sdk_version: '0.1.0' };

  /** identify always sends the same user; login alternates two users, so each login changes user */
  function identitiesFor(kind, i) {
    return kind === 'identify' ? IDENTIFY : LOGIN[i % 2];
  }

  async function timed(call) {
    const start = performance.now();
    await call();
    return performance.now() - start;
  }

  function idsyncCaller(client) {
    let i = 0;
    return (kind) => client[kind]({ userIdentities: identitiesFor(kind, i++) });
  }

  function mparticleCaller() {
    let i = 0;
    return (kind) =>
      new Promise((resolve, reject) => {
        mParticle.Identity[kind]({ userIdentities: identitiesFor(kind, i++) }, (result) => {
          if (result.httpCode === 200) resolve(result);
          else reject(new Error(`mParticle ${kind}: httpCode ${result.httpCode} ${result.body}`));
        });
      });
  }

  /** The floor under any IDSync client: one fetch with the body HttpBackend sends. */
  function rawCaller(baseUrl, deviceId) {
    let i = 0;
    let previousMpid = null;
    let context = null;
    return async (kind) => {
      const body = {
        client_sdk: CLIENT_SDK,
        environment: 'development',
        request_id: crypto.randomUUID(),
        request_timestamp_ms: Date.now(),
        previous_mpid: previousMpid,
        known_identities: { ...identitiesFor(kind, i++), device_application_stamp: deviceId },
        context,
      };
      const response = await fetch(`${baseUrl}/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mp-key': API_KEY },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(`raw ${kind}: HTTP ${response.status}`);
      previousMpid = answer.mpid;
      context = answer.context;
      return answer;
    };
  }

  /**
   * The floor under a client that persists its answer: the raw fetch, then one
   * readwrite IndexedDB transaction storing the answer (idsync-web writes the
   * current user before a call resolves).
   */
  async function rawIdbCaller(baseUrl, deviceId, run) {
    const open = indexedDB.open(`calls-${run}-raw`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('users', { keyPath: 'mpid' });
    const db = await new Promise((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const fetchOnly = rawCaller(baseUrl, deviceId);
    return async (kind) => {
      const answer = await fetchOnly(kind);
      const tx = db.transaction('users', 'readwrite');
      tx.objectStore('users').put(answer);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    };
  }

  function initMparticle(identityHost, sinkHost) {
    return new Promise((resolve, reject) => {
      mParticle.init(API_KEY, {
        isDevelopmentMode: true,
        logLevel: 'none',
        // No https: identity URLs become location.protocol + identityUrl + method.
        forceHttps: false,
        requestConfig: false,
        identityUrl: `${identityHost}/v1/`,
        aliasUrl: `${identityHost}/v1/identity/`,
        // Events, config and forwarding stats go to a sink on the page's own server.
        v1SecureServiceUrl: `${sinkHost}/mp-sink/v1/JS/`,
        v2SecureServiceUrl: `${sinkHost}/mp-sink/v2/JS/`,
        v3SecureServiceUrl: `${sinkHost}/mp-sink/v3/JS/`,
        configUrl: `${sinkHost}/mp-sink/config/`,
        identifyRequest: { userIdentities: {} },
        // 200: identified now; -3 (activeSession): a user stored by an earlier page was restored.
        identityCallback: (result) =>
          result.httpCode === 200 || result.httpCode === -3
            ? resolve()
            : reject(new Error(`mParticle init identify: httpCode ${result.httpCode}`)),
      });
    });
  }

  async function localClient(run) {
    return IDSync.createIdentity({
      backend: new IDSync.LocalResolver({
        strategy: 'conversion',
        dbName: `calls-${run}-resolver`,
      }),
      dbName: `calls-${run}-local`,
      environment: 'development',
    });
  }

  const callers = {};

  window.bench = {
    /** identityHost: "127.0.0.1:PORT" of the IDSync server; sinkHost: the page's own host */
    async setupHttp({ identityHost, sinkHost, run }) {
      const baseUrl = `http://${identityHost}/v1`;
      const client = await IDSync.createIdentity({
        backend: new IDSync.HttpBackend({ baseUrl, apiKey: API_KEY }),
        dbName: `calls-${run}-http`,
        environment: 'development',
      });
      await initMparticle(identityHost, sinkHost);
      callers.idsync = idsyncCaller(client);
      callers.mparticle = mparticleCaller();
      callers.raw = rawCaller(baseUrl, `raw-${run}`);
      callers.rawIdb = await rawIdbCaller(baseUrl, `raw-idb-${run}`, run);
    },

    async setupLocal({ run }) {
      callers.local = idsyncCaller(await localClient(run));
    },

    /**
     * `n` timed calls of `kind` per contender, interleaved, the order rotated
     * every round so that no contender always follows the same one.
     */
    async interleaved(names, kind, n, warmup = 5) {
      const samples = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < warmup + n; round++) {
        for (let k = 0; k < names.length; k++) {
          const name = names[(round + k) % names.length];
          const ms = await timed(() => callers[name](kind));
          if (round >= warmup) samples[name].push(ms);
        }
      }
      return samples;
    },

    /** `n` untimed calls (identify, login A, login B, ...) of one contender: memory. */
    async churn(name, n) {
      const kinds = ['identify', 'login', 'login'];
      for (let i = 0; i < n; i++) await callers[name](kinds[i % kinds.length]);
    },

    gc() {
      if (typeof window.gc === 'function') window.gc();
    },
  };
})();
