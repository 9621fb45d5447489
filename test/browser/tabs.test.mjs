// Many tabs, one user: the SDK in a real browser, several tabs of one browser
// context (one profile: shared IndexedDB, BroadcastChannel, Web Locks), and the
// storage faults a real browser can produce; on every engine.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { createTestBackend } from './backend.mjs';
import { browserSuite, test } from './driver/index.mjs';
import { serveStatic } from './harness.mjs';

browserSuite('multi-tab and storage faults', (env) => {
  let browser;
  let server;
  let backend;
  before(async () => {
    // Slow answers widen the windows where tabs could race.
    backend = createTestBackend({ delayMs: 50 });
    server = await serveStatic({ routes: backend.routes });
    browser = await env.browser();
  });
  after(async () => {
    backend?.release();
    await server?.close();
  });

  let dbCounter = 0;
  /** A fresh browser profile and a database name nobody used. */
  async function freshContext() {
    dbCounter += 1;
    const db = `tabs-${env.engine}-${dbCounter}`;
    const context = await browser.newContext();
    const url = `${server.origin}/test/browser/pages/tabs.html?db=${db}`;
    const open = async () => {
      const tab = await context.newTab();
      await tab.goto(url);
      return tab;
    };
    return { context, open, db };
  }

  const errorsOf = async (...tabs) => (await Promise.all(tabs.map((t) => t.errors()))).flat();

  test('a reload keeps the user: no identify on the second start', async () => {
    const { context, open } = await freshContext();
    const tab = await open();
    const identifies = backend.counts.identify;
    await tab.evaluate(() => window.start());
    await tab.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'reload' } }));
    await tab.evaluate(() => window.idsync.currentUser.setAttribute('plan', 'pro'));
    const before = await tab.evaluate(() => window.summary());
    assert.equal(backend.counts.identify, identifies + 1);
    await tab.reload();
    const restored = await tab.evaluate(() => window.start());
    assert.deepEqual(restored, before);
    assert.equal(before.isLoggedIn, true);
    assert.equal(backend.counts.identify, identifies + 1);
    assert.deepEqual(await tab.errors(), []);
    await context.close();
  });

  test('two tabs: a login in one, the other reports the new user (sync event)', async () => {
    const { context, open } = await freshContext();
    const a = await open();
    const b = await open();
    await a.evaluate(() => window.start());
    const started = await b.evaluate(() => window.start());
    await b.evaluate(() => {
      window.synced = window.nextSync();
    });
    const login = await a.evaluate(() =>
      window.idsync.login({ userIdentities: { customerid: 'two-tabs' } }).then((r) => r.mpid),
    );
    const event = await b.evaluate(() => window.synced);
    assert.equal(event.mpid, login);
    assert.notEqual(login, started.mpid);
    assert.equal(event.summary.isLoggedIn, true);
    assert.deepEqual(event.summary, await a.evaluate(() => window.summary()));
    // And back: a write in B reaches A.
    await a.evaluate(() => {
      window.synced = window.nextSync();
    });
    await b.evaluate(() => window.idsync.currentUser.setAttribute('from', 'b'));
    assert.deepEqual((await a.evaluate(() => window.synced)).summary.attributes, { from: 'b' });
    assert.deepEqual(await errorsOf(a, b), []);
    await context.close();
  });

  test('five tabs starting at the same moment on a fresh browser: one identify, one device id', async () => {
    const { context, open } = await freshContext();
    const tabs = await Promise.all(Array.from({ length: 5 }, () => open()));
    const identifies = backend.counts.identify;
    // Every tab arms a timer for one shared instant, so that the five
    // createIdentity calls race on each engine, however its driver sends calls.
    const at = Date.now() + 3000;
    const armed = await Promise.all(
      tabs.map((tab) =>
        tab.evaluate((moment) => {
          const early = Date.now() < moment;
          window.raced = new Promise((go) => setTimeout(go, moment - Date.now())).then(() =>
            window.start(),
          );
          return early;
        }, at),
      ),
    );
    assert.deepEqual(armed, [true, true, true, true, true], 'every tab was armed before the start');
    const started = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.raced)));
    assert.equal(backend.counts.identify - identifies, 1);
    assert.equal(new Set(started.map((s) => s.deviceId)).size, 1);
    assert.equal(new Set(started.map((s) => s.mpid)).size, 1);
    assert.notEqual(started[0].mpid, null);
    assert.deepEqual(await errorsOf(...tabs), []);
    await context.close();
  });

  test('a tab closed in the middle of a login leaves a consistent store; the others go on', async () => {
    const { context, open } = await freshContext();
    const a = await open();
    const b = await open();
    await a.evaluate(() => window.start());
    const before = await b.evaluate(() => window.start());
    const logins = backend.counts.login;
    backend.hold('login');
    // Started, never awaited: the tab goes away while the login is in flight.
    await a.evaluate(() => {
      window.idsync.login({ userIdentities: { customerid: 'gone' } }).catch(() => undefined);
    });
    await backend.received('login', logins + 1);
    await a.close();
    // B is not blocked by the dead tab's lock, and sends its own previousMpid.
    const result = await b.evaluate(() =>
      window.idsync.login({ userIdentities: { customerid: 'stays' } }),
    );
    assert.equal(result.previousMpid, before.mpid);
    assert.equal(result.userChanged, true);
    // A new tab reads exactly what B holds.
    const c = await open();
    const restored = await c.evaluate(() => window.start());
    assert.deepEqual(restored, await b.evaluate(() => window.summary()));
    assert.deepEqual(await errorsOf(b, c), []);
    backend.release();
    await context.close();
  });

  test('an old tab does not block a newer schema: it steps aside and keeps its user', async () => {
    const { context, open, db } = await freshContext();
    const a = await open();
    const before = await a.evaluate(() => window.start());
    const b = await open();
    const upgraded = await b.evaluate(
      (name) =>
        new Promise((resolve, reject) => {
          const request = indexedDB.open(name, 99);
          request.onsuccess = () => {
            request.result.close();
            resolve(true);
          };
          request.onblocked = () => reject(new Error('the old tab blocked the upgrade'));
          request.onerror = () => reject(request.error);
        }),
      db,
    );
    assert.equal(upgraded, true);
    const after = await a.evaluate(async () => {
      await window.idsync.currentUser.setAttribute('still', 'here');
      return { summary: window.summary(), warnings: window.warnings };
    });
    assert.equal(after.summary.mpid, before.mpid);
    assert.deepEqual(after.summary.attributes, { still: 'here' });
    assert.equal(after.warnings.length, 2, after.warnings.join('\n')); // closing for the upgrade, then memory
    assert.deepEqual(await a.errors(), []);
    await context.close();
  });

  test('the database deleted under a running page: the next call restores it from the tab', async () => {
    const { context, open, db } = await freshContext();
    const a = await open();
    await a.evaluate(() => window.start());
    await a.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'deleted' } }));
    const before = await a.evaluate(() => window.summary());
    const b = await open();
    await b.deleteDatabase(db);
    const identifies = backend.counts.identify;
    await a.evaluate(() => window.idsync.identify({ userIdentities: { customerid: 'deleted' } }));
    assert.deepEqual(await a.evaluate(() => window.summary()), before);
    // A new tab finds the user again, with no start-up identify.
    const c = await open();
    assert.deepEqual(await c.evaluate(() => window.start()), before);
    assert.equal(backend.counts.identify - identifies, 1);
    assert.deepEqual(await errorsOf(a, b, c), []);
    await context.close();
  });

  test('the script-tag IIFE works on a plain HTML page: the documented LocalResolver flow', async () => {
    const context = await browser.newContext();
    const tab = await context.newTab();
    await tab.goto(`${server.origin}/test/browser/pages/plain.html`);
    const outcome = await tab.evaluate(async () => {
      const { IDSync } = window;
      const backend = new IDSync.LocalResolver({ strategy: 'isolation', dbName: 'plain-resolver' });
      const idsync = await IDSync.createIdentity({ backend, dbName: 'plain-page' });
      const anonymous = idsync.currentUser.mpid;
      const login = await idsync.login({ userIdentities: { email: 'plain@example.com' } });
      const logout = await idsync.logout();
      return {
        anonymous,
        login: login.mpid,
        previous: login.previousMpid,
        known: login.isLoggedIn,
        back: logout.mpid,
        profiles: (await backend.profiles()).length,
      };
    });
    assert.equal(outcome.previous, outcome.anonymous);
    assert.notEqual(outcome.login, outcome.anonymous);
    assert.equal(outcome.known, true);
    assert.equal(outcome.back, outcome.anonymous); // isolation: back to the device's anonymous profile
    assert.equal(outcome.profiles, 2);
    assert.deepEqual(await tab.errors(), []);
    await context.close();
  });

  test('IndexedDB disabled: memory fallback with one warning; nothing survives a reload', async () => {
    const { context, open } = await freshContext();
    await context.addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', {
        configurable: true,
        get() {
          throw new DOMException('IndexedDB is disabled', 'SecurityError');
        },
      });
    });
    const tab = await open();
    const identifies = backend.counts.identify;
    const first = await tab.evaluate(() => window.start());
    const warnings = await tab.evaluate(() => window.warnings);
    assert.notEqual(first.mpid, null);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /memory/);
    await tab.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'mem' } }));
    await tab.reload();
    const second = await tab.evaluate(() => window.start());
    assert.notEqual(second.deviceId, first.deviceId);
    assert.equal(backend.counts.identify - identifies, 2);
    assert.deepEqual(await tab.errors(), []);
    await context.close();
  });
});
