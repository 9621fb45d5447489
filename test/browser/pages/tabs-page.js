// The page side of the multi-tab tests and of bench/cross-tab.mjs: a backend
// that asks the test server (so that requests are counted across tabs), and
// helpers that hand plain data back to Playwright.
(function () {
  'use strict';
  const now = () => performance.timeOrigin + performance.now();

  async function call(method, body) {
    const response = await fetch(`/backend/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new window.IDSync.IdentityError('server', `backend answered ${response.status}`, {
        httpCode: response.status,
      });
    }
    return response.json();
  }

  window.pageBackend = {
    identify: (req) => call('identify', req),
    login: (req) => call('login', req),
    logout: (req) => call('logout', req),
    modify: (mpid, req) => call('modify', { mpid, ...req }),
    alias: (req) => call('alias', req),
  };

  window.events = [];
  window.warnings = [];

  const logger = {
    debug() {},
    info() {},
    warn: (...args) => window.warnings.push(args.map(String).join(' ')),
    error: (...args) => console.error(...args),
  };

  window.summary = () => {
    const user = window.idsync.currentUser;
    return {
      mpid: user ? user.mpid : null,
      isLoggedIn: user ? user.isLoggedIn : null,
      attributes: user ? { ...user.attributes } : null,
      deviceId: window.idsync.deviceId,
      users: window.idsync.getUsers().map((u) => u.mpid),
    };
  };

  /** createIdentity on the database named by ?db= (default 'idsync'). */
  window.start = async (options = {}) => {
    const dbName = new URL(location.href).searchParams.get('db') || 'idsync';
    window.idsync = await window.IDSync.createIdentity({
      backend: window.pageBackend,
      dbName,
      logger,
      ...options,
    });
    window.idsync.subscribe((event) => {
      window.events.push({
        type: event.type,
        mpid: event.user ? event.user.mpid : null,
        previous: event.previousUser ? event.previousUser.mpid : null,
        at: now(),
      });
    });
    return window.summary();
  };

  /** Resolves with the next 'sync' event, stamped on arrival. */
  window.nextSync = () =>
    new Promise((resolve) => {
      const stop = window.idsync.subscribe((event) => {
        if (event.type !== 'sync') return;
        stop();
        resolve({
          mpid: event.user ? event.user.mpid : null,
          at: now(),
          summary: window.summary(),
        });
      });
    });

  window.now = now;
})();
