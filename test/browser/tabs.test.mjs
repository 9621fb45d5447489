// Many tabs, one user: the SDK in a real Chromium, several pages of one
// browser context (one profile: shared IndexedDB, BroadcastChannel, Web Locks).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestBackend } from './backend.mjs';
import { collectPageErrors, launchBrowser, serveStatic } from './harness.mjs';

let browser;
let server;
let backend;
before(async () => {
  // Slow answers widen the windows where tabs could race.
  backend = createTestBackend({ delayMs: 50 });
  server = await serveStatic({ routes: backend.routes });
  browser = await launchBrowser();
});
after(async () => {
  backend?.release();
  await browser?.close();
  await server?.close();
});

let dbCounter = 0;
/** A fresh browser profile and a database name nobody used. */
async function freshContext() {
  dbCounter += 1;
  const context = await browser.newContext();
  const url = `${server.origin}/test/browser/pages/tabs.html?db=tabs-${dbCounter}`;
  const open = async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(url);
    return { page, errors };
  };
  return { context, open };
}

test('a reload keeps the user: no identify on the second start', async () => {
  const { context, open } = await freshContext();
  const { page, errors } = await open();
  const identifies = backend.counts.identify;
  await page.evaluate(() => window.start());
  await page.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'reload' } }));
  await page.evaluate(() => window.idsync.currentUser.setAttribute('plan', 'pro'));
  const before = await page.evaluate(() => window.summary());
  assert.equal(backend.counts.identify, identifies + 1);
  await page.reload();
  const restored = await page.evaluate(() => window.start());
  assert.deepEqual(restored, before);
  assert.equal(before.isLoggedIn, true);
  assert.equal(backend.counts.identify, identifies + 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('two tabs: a login in one, the other reports the new user (sync event)', async () => {
  const { context, open } = await freshContext();
  const a = await open();
  const b = await open();
  await a.page.evaluate(() => window.start());
  const started = await b.page.evaluate(() => window.start());
  const synced = b.page.evaluate(() => window.nextSync());
  const login = await a.page.evaluate(() =>
    window.idsync.login({ userIdentities: { customerid: 'two-tabs' } }).then((r) => r.mpid),
  );
  const event = await synced;
  assert.equal(event.mpid, login);
  assert.notEqual(login, started.mpid);
  assert.equal(event.summary.isLoggedIn, true);
  assert.deepEqual(event.summary, await a.page.evaluate(() => window.summary()));
  // And back: a write in B reaches A.
  const back = a.page.evaluate(() => window.nextSync());
  await b.page.evaluate(() => window.idsync.currentUser.setAttribute('from', 'b'));
  assert.deepEqual((await back).summary.attributes, { from: 'b' });
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test('five tabs opened together on a fresh browser: one identify, one device id', async () => {
  const { context, open } = await freshContext();
  const tabs = await Promise.all(Array.from({ length: 5 }, () => open()));
  const identifies = backend.counts.identify;
  const started = await Promise.all(tabs.map(({ page }) => page.evaluate(() => window.start())));
  assert.equal(backend.counts.identify - identifies, 1);
  assert.equal(new Set(started.map((s) => s.deviceId)).size, 1);
  assert.equal(new Set(started.map((s) => s.mpid)).size, 1);
  assert.notEqual(started[0].mpid, null);
  assert.deepEqual(
    tabs.flatMap((t) => t.errors),
    [],
  );
  await context.close();
});

test('a tab closed in the middle of a login leaves a consistent store; the others go on', async () => {
  const { context, open } = await freshContext();
  const a = await open();
  const b = await open();
  await a.page.evaluate(() => window.start());
  const before = await b.page.evaluate(() => window.start());
  const logins = backend.counts.login;
  backend.hold('login');
  void a.page
    .evaluate(() => window.idsync.login({ userIdentities: { customerid: 'gone' } }))
    .catch(() => undefined);
  await backend.received('login', logins + 1);
  await a.page.close();
  // B is not blocked by the dead tab's lock, and sends its own previousMpid.
  const result = await b.page.evaluate(() =>
    window.idsync.login({ userIdentities: { customerid: 'stays' } }),
  );
  assert.equal(result.previousMpid, before.mpid);
  assert.equal(result.userChanged, true);
  // A new tab reads exactly what B holds.
  const c = await open();
  const restored = await c.page.evaluate(() => window.start());
  assert.deepEqual(restored, await b.page.evaluate(() => window.summary()));
  assert.deepEqual([...b.errors, ...c.errors], []);
  backend.release();
  await context.close();
});

test('an old tab does not block a newer schema: it steps aside and keeps its user', async () => {
  const { context, open } = await freshContext();
  const a = await open();
  const before = await a.page.evaluate(() => window.start());
  const b = await open();
  const upgraded = await b.page.evaluate(
    (db) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open(db, 99);
        request.onsuccess = () => {
          request.result.close();
          resolve(true);
        };
        request.onblocked = () => reject(new Error('the old tab blocked the upgrade'));
        request.onerror = () => reject(request.error);
      }),
    `tabs-${dbCounter}`,
  );
  assert.equal(upgraded, true);
  const after = await a.page.evaluate(async () => {
    await window.idsync.currentUser.setAttribute('still', 'here');
    return { summary: window.summary(), warnings: window.warnings };
  });
  assert.equal(after.summary.mpid, before.mpid);
  assert.deepEqual(after.summary.attributes, { still: 'here' });
  assert.equal(after.warnings.length, 2); // closing for the upgrade, then memory
  assert.deepEqual(a.errors, []);
  await context.close();
});

test('the database deleted under a running page: the next call restores it from the tab', async () => {
  const { context, open } = await freshContext();
  const a = await open();
  await a.page.evaluate(() => window.start());
  await a.page.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'deleted' } }));
  const before = await a.page.evaluate(() => window.summary());
  const b = await open();
  await b.page.evaluate(
    (db) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(db);
        request.onsuccess = () => resolve();
        request.onblocked = () => reject(new Error('the running page blocked the delete'));
        request.onerror = () => reject(request.error);
      }),
    `tabs-${dbCounter}`,
  );
  const identifies = backend.counts.identify;
  await a.page.evaluate(() =>
    window.idsync.identify({ userIdentities: { customerid: 'deleted' } }),
  );
  assert.deepEqual(await a.page.evaluate(() => window.summary()), before);
  // A new tab finds the user again, with no start-up identify.
  const c = await open();
  assert.deepEqual(await c.page.evaluate(() => window.start()), before);
  assert.equal(backend.counts.identify - identifies, 1);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  await context.close();
});

test('the script-tag IIFE works on a plain HTML page: the documented LocalResolver flow', async () => {
  const { context } = await freshContext();
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.origin}/test/browser/pages/plain.html`);
  const outcome = await page.evaluate(async () => {
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
  assert.deepEqual(errors, []);
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
  const { page, errors } = await open();
  const identifies = backend.counts.identify;
  const first = await page.evaluate(() => window.start());
  const warnings = await page.evaluate(() => window.warnings);
  assert.notEqual(first.mpid, null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /memory/);
  await page.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'mem' } }));
  await page.reload();
  const second = await page.evaluate(() => window.start());
  assert.notEqual(second.deviceId, first.deviceId);
  assert.equal(backend.counts.identify - identifies, 2);
  assert.deepEqual(errors, []);
  await context.close();
});
