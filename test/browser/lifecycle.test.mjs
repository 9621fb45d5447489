// The user's lifecycle in real browsers: reset across tabs, persist() next to
// a tab that already persists, maxUsers, and the upgrade of a database written
// by the version 2 schema. Tabs of one context share IndexedDB,
// BroadcastChannel and Web Locks, as the tabs of one browser profile do.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startDemoServer } from '../../demo/serve.mjs';
import { browserSuite, test } from './driver/index.mjs';
import { serveStatic } from './harness.mjs';

browserSuite('lifecycle', (env) => {
  let browser;
  let server;
  before(async () => {
    server = await serveStatic();
    browser = await env.browser();
  });
  after(() => server?.close());

  let counter = 0;
  // Names of this run only: a database left by an earlier run is never reused.
  const run = Date.now().toString(36);
  /** A fresh profile; `open()` adds a tab on one database nobody used. */
  async function freshContext() {
    counter += 1;
    const context = await browser.newContext();
    const url = `${server.origin}/test/browser/pages/lifecycle.html?db=lifecycle-${run}-${counter}`;
    const open = async () => {
      const tab = await context.newTab();
      await tab.goto(url);
      return tab;
    };
    return { context, open };
  }

  test('a reset in one of three tabs empties all three', async () => {
    const { context, open } = await freshContext();
    const tabs = [await open(), await open(), await open()];
    for (const tab of tabs) await tab.evaluate(() => window.lifecycle.start());
    const [a, b, c] = tabs;
    await a.evaluate(() => window.client.login({ userIdentities: { customerid: 'shared-pc' } }));
    await c.waitFor(() => window.lifecycle.summary().users.length === 2);
    const device = await b.evaluate(() => window.client.deviceId);
    await b.evaluate(() => window.client.reset({ deviceId: true }));
    for (const tab of tabs) {
      await tab.waitFor(() => window.lifecycle.events.includes('reset'));
      const summary = await tab.evaluate(() => window.lifecycle.summary());
      assert.equal(summary.mpid, null);
      assert.deepEqual(summary.users, []);
      assert.notEqual(summary.deviceId, device);
    }
    const ids = await Promise.all(tabs.map((t) => t.evaluate(() => window.client.deviceId)));
    assert.equal(new Set(ids).size, 1);
    const stored = await a.evaluate(() => window.lifecycle.stored());
    assert.deepEqual(stored.mpids, []);
    assert.equal(stored.currentMpid, null);
    assert.equal(stored.deviceId, ids[0]);
    await context.close();
  });

  test('persist() in one tab while another already persists keeps the newer state', async () => {
    const { context, open } = await freshContext();
    const persistent = await open();
    await persistent.evaluate(() => window.lifecycle.start());
    const newer = await persistent.evaluate(async () => {
      await window.client.login({ userIdentities: { customerid: 'accepted-earlier' } });
      for (let i = 0; i < 3; i++) await window.client.currentUser.incrementAttribute('visits');
      return window.lifecycle.summary();
    });
    const consentFirst = await open();
    const before = await consentFirst.evaluate(() => window.lifecycle.start({ storage: 'memory' }));
    assert.equal(before.storage, 'memory');
    assert.notEqual(before.deviceId, newer.deviceId);
    const after = await consentFirst.evaluate(async () => {
      await window.client.persist();
      return window.lifecycle.summary();
    });
    assert.equal(after.storage, 'indexeddb');
    assert.equal(after.deviceId, newer.deviceId);
    assert.equal(after.mpid, newer.mpid);
    assert.deepEqual(after.attributes, { visits: 3 });
    assert.ok(after.users.includes(before.mpid), 'the memory tab keeps its user as a past one');
    // From now on they share: an increment in either tab counts in both.
    await consentFirst.evaluate(() => window.client.currentUser.incrementAttribute('visits'));
    await persistent.waitFor(() => window.client.currentUser.attributes.visits === 4);
    const stored = await persistent.evaluate(() => window.lifecycle.stored());
    assert.equal(stored.currentMpid, newer.mpid);
    await context.close();
  });

  test('30 users logged in and out in turn with maxUsers: 5 leaves 6 records, the current one intact', async () => {
    const { context, open } = await freshContext();
    const tab = await open();
    await tab.evaluate(() => window.lifecycle.start({ maxUsers: 5 }));
    const result = await tab.evaluate(async () => {
      const { client } = window;
      for (let i = 0; i < 30; i++) {
        await client.login({ userIdentities: { customerid: `user-${i}` } });
        await client.currentUser.setAttribute('n', i);
        await client.logout();
      }
      await client.login({ userIdentities: { customerid: 'user-29' } });
      return window.lifecycle.summary();
    });
    assert.deepEqual(result.attributes, { n: 29 });
    assert.equal(result.users.length, 6);
    const stored = await tab.evaluate(() => window.lifecycle.stored());
    assert.equal(stored.mpids.length, 6);
    assert.equal(stored.currentMpid, result.mpid);
    assert.deepEqual([...stored.mpids].sort(), [...result.users].sort());
    await tab.reload();
    const restored = await tab.evaluate(() => window.lifecycle.start({ maxUsers: 5 }));
    assert.equal(restored.mpid, result.mpid);
    assert.deepEqual(restored.attributes, { n: 29 });
    await context.close();
  });

  test('a database written by the version 2 schema upgrades in place and keeps the current user', async () => {
    const { context, open } = await freshContext();
    const tab = await open();
    const users = Array.from({ length: 25 }, (_, i) => ({
      mpid: String(500 + i),
      identities: { customerid: `c${i}`, device_application_stamp: 'device-v2' },
      attributes: { i },
      consent: {},
      isLoggedIn: true,
      firstSeen: 1000,
      lastSeen: 1000 + i,
    }));
    await tab.evaluate(([list]) => window.lifecycle.writeVersion2(list, '503'), [users]);
    const started = await tab.evaluate(() => window.lifecycle.start());
    assert.equal(started.mpid, '503');
    assert.equal(started.deviceId, 'device-v2');
    assert.deepEqual(started.attributes, { i: 3 });
    assert.equal(started.users.length, 21);
    const stored = await tab.evaluate(() => window.lifecycle.stored());
    assert.equal(stored.version, 3);
    assert.deepEqual(stored.indexes, ['lastSeen']);
    assert.equal(stored.mpids.length, 25, 'the upgrade itself deletes no one');
    await context.close();
  });

  test('the demo: a counter, a reset per device, consent first with Accept', async () => {
    const demo = await startDemoServer({ port: 0 });
    const context = await browser.newContext();
    try {
      const tab = await context.newTab();
      await tab.goto(demo.url);
      await tab.waitFor(() => document.body.dataset.world === 'local');
      const status = (text) => tab.waitForSelector('#action-status', { hasText: text });
      // (waitFor rather than waitForSelector without hasText: an undefined
      // hasText reaches the page as null and matches only text holding "null")
      const noUser = (expected) =>
        tab.waitFor(
          (want) =>
            String(document.querySelector('#user').innerText.includes('No current user')) === want,
          String(expected),
        );
      await tab.click('#identity-form button[value="identify"]');
      await noUser(false);
      await tab.click('#count-visit');
      await status('visits is now 1');
      await tab.click('#count-visit');
      await status('visits is now 2');
      await tab.click('#reset-device');
      await status('every user forgotten (device id kept)');
      await noUser(true);
      await tab.click('#reset-device-id');
      await status('new device id');

      assert.equal(await tab.text('#device-storage'), 'indexeddb');
      await tab.click('#consent-first');
      await tab.waitForSelector('#device-storage', { hasText: 'memory' });
      await noUser(true);
      await tab.click('#identity-form button[value="identify"]');
      await noUser(false);
      await tab.click('#accept-consent');
      await status('now keeps its state in indexeddb');
      assert.equal(await tab.text('#device-storage'), 'indexeddb');
      assert.deepEqual(await tab.errors(), []);
    } finally {
      await context.close();
      await demo.close();
    }
  });
});
