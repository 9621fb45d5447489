// A tiny identity service for the browser tests, answered by the test server
// itself: the pages' backend POSTs to /backend/<method>, so the test can count
// requests across tabs and hold one open (a request in flight).

/**
 * Same rule as the jsdom fake backend: a customerid (else an email) is that
 * known user; without one, the anonymous user of the request's device id.
 */
export function createTestBackend({ delayMs = 0 } = {}) {
  const counts = { identify: 0, login: 0, logout: 0, modify: 0, alias: 0 };
  const mpids = new Map();
  const held = new Set();
  let nextMpid = 1001;
  let holdNext = null;
  const waiters = [];

  const mpidFor = (key) => {
    if (!mpids.has(key)) mpids.set(key, String(nextMpid++));
    return mpids.get(key);
  };

  const answer = (method, body) => {
    if (method === 'modify') {
      const matchedIdentities = {};
      for (const change of body.identityChanges) {
        if (change.newValue !== null) matchedIdentities[change.identityType] = change.newValue;
      }
      return { httpCode: 200, mpid: body.mpid, isLoggedIn: true, matchedIdentities };
    }
    if (method === 'alias') return { httpCode: 202 };
    const ids = body.knownIdentities;
    const login = ids.customerid ? `customerid:${ids.customerid}` : undefined;
    const known = login ?? (ids.email ? `email:${ids.email}` : undefined);
    return {
      httpCode: 200,
      mpid: mpidFor(known ?? `device:${ids.device_application_stamp ?? ''}`),
      isLoggedIn: known !== undefined,
      matchedIdentities: { ...ids },
    };
  };

  /** For serveStatic({ routes }). */
  async function routes(req, res, url) {
    const match = /^\/backend\/(identify|login|logout|modify|alias)$/.exec(url.pathname);
    if (!match || req.method !== 'POST') return false;
    const method = match[1];
    let raw = '';
    for await (const chunk of req) raw += chunk;
    counts[method] += 1;
    for (const waiter of waiters.splice(0)) waiter();
    if (holdNext === method) {
      // Never answered: the page is expected to go away meanwhile.
      holdNext = null;
      held.add(res);
      res.on('close', () => held.delete(res));
      return true;
    }
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(answer(method, JSON.parse(raw))));
    return true;
  }

  return {
    routes,
    counts,
    /** The next request of `method` is never answered. */
    hold(method) {
      holdNext = method;
    },
    /** Resolves once `method` has been received `n` times in all. */
    async received(method, n) {
      while (counts[method] < n) await new Promise((resolve) => waiters.push(resolve));
    },
    /** Ends the requests still held open. */
    release() {
      for (const res of held) res.destroy();
      held.clear();
    },
  };
}
