// The driver layer itself, on each engine: what the suites rely on.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { browserSuite, test, TEST_DOMAIN } from './driver/index.mjs';
import { serveStatic } from './harness.mjs';

browserSuite('driver', (env) => {
  let browser;
  let server;
  before(async () => {
    server = await serveStatic({
      routes: async (req, res, url) => {
        if (url.pathname !== '/echo-host') return false;
        const cookie = url.searchParams.has('set') ? { 'set-cookie': 'fromServer=1; Path=/' } : {};
        res.writeHead(200, { 'content-type': 'text/html', ...cookie });
        res.end(`<!doctype html><html><head></head><body>${req.headers.host}</body></html>`);
        return true;
      },
    });
    browser = await env.browser();
  });
  after(() => server?.close());

  const plain = () => `${server.origin}/test/browser/pages/plain.html`;

  test('evaluate awaits promises and returns plain data', async () => {
    const context = await browser.newContext();
    const tab = await context.newTab();
    await tab.goto(plain());
    assert.equal(typeof browser.version, 'string');
    assert.deepEqual(
      await tab.evaluate(
        (n) => new Promise((r) => setTimeout(() => r({ n, list: [1, 'a'] }), 10)),
        7,
      ),
      { n: 7, list: [1, 'a'] },
    );
    assert.equal(await tab.evaluate(() => undefined), undefined);
    await assert.rejects(
      tab.evaluate(() => Promise.reject(new Error('boom in page'))),
      /boom in page/,
    );
    await context.close();
  });

  test('tabs of one context share IndexedDB; a reload keeps it; another context does not see it', async () => {
    const context = await browser.newContext();
    const a = await context.newTab();
    await a.goto(plain());
    const write = (db) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(db, 1);
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        open.onsuccess = () => {
          const tx = open.result.transaction('s', 'readwrite');
          tx.objectStore('s').put('kept', 'k');
          tx.oncomplete = () => {
            open.result.close();
            resolve(true);
          };
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      });
    const read = (db) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(db);
        open.onupgradeneeded = () => open.transaction.abort();
        open.onerror = () => resolve(null);
        open.onsuccess = () => {
          const names = [...open.result.objectStoreNames];
          if (!names.includes('s')) return resolve(null);
          const get = open.result.transaction('s').objectStore('s').get('k');
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result ?? null);
          };
          get.onerror = () => reject(get.error);
        };
      });
    await a.evaluate(write, 'driver-db');
    await a.reload();
    assert.equal(await a.evaluate(read, 'driver-db'), 'kept');
    const b = await context.newTab();
    await b.goto(plain());
    assert.equal(await b.evaluate(read, 'driver-db'), 'kept');
    await b.deleteDatabase('driver-db');
    assert.equal(await a.evaluate(read, 'driver-db'), null);
    await a.evaluate(write, 'driver-db');
    const other = await browser.newContext();
    const c = await other.newTab();
    await c.goto(plain());
    assert.equal(await c.evaluate(read, 'driver-db'), null);
    await other.close();
    await context.close();
  });

  test('two tabs wait on each other: a pending evaluate in one does not block the other', async () => {
    const context = await browser.newContext();
    const a = await context.newTab();
    const b = await context.newTab();
    await a.goto(plain());
    await b.goto(plain());
    const heard = b.evaluate(
      () =>
        new Promise((resolve) => {
          const channel = new BroadcastChannel('driver');
          channel.onmessage = (event) => resolve(event.data);
        }),
    );
    await new Promise((r) => setTimeout(r, 200));
    await a.evaluate(() => new BroadcastChannel('driver').postMessage('hello'));
    assert.equal(await heard, 'hello');
    await context.close();
  });

  test('init scripts run before the page; console messages and page errors are read back', async () => {
    const context = await browser.newContext();
    await context.addInitScript((value) => {
      window.fromInit = value;
    }, 'set early');
    const tab = await context.newTab();
    await tab.goto(plain());
    assert.equal(await tab.evaluate(() => window.fromInit), 'set early');
    await tab.evaluate(() => {
      console.log('a log line');
      console.error('an error line');
      setTimeout(() => {
        throw new Error('thrown later');
      });
    });
    await tab.waitFor(() => true);
    await new Promise((r) => setTimeout(r, 200));
    const messages = await tab.messages();
    assert.ok(
      messages.some((m) => m.type === 'log' && m.text === 'a log line'),
      JSON.stringify(messages),
    );
    const errors = await tab.errors();
    assert.ok(errors.includes('an error line'), JSON.stringify(errors));
    assert.ok(
      errors.some((e) => /thrown later/.test(e)),
      JSON.stringify(errors),
    );
    await context.close();
  });

  test(`*.${TEST_DOMAIN} reaches this machine; cookies are set and read per context`, async () => {
    const context = await browser.newContext();
    const port = new URL(server.origin).port;
    const tab = await context.newTab();
    await tab.goto(`http://a.${TEST_DOMAIN}:${port}/echo-host?set`);
    assert.equal(await tab.text('body'), `a.${TEST_DOMAIN}:${port}`);
    await context.setCookies([
      { name: 'shared', value: 'yes', domain: `.${TEST_DOMAIN}`, path: '/' },
    ]);
    const b = await context.newTab();
    await b.goto(`http://b.${TEST_DOMAIN}:${port}/echo-host`);
    assert.match(await b.evaluate(() => document.cookie), /shared=yes/);
    const cookies = await context.cookies(`http://b.${TEST_DOMAIN}:${port}/`);
    assert.deepEqual(
      cookies.map((c) => c.name).sort(),
      ['shared'],
      'the server cookie of a. is host-only, b. sees the shared one only',
    );
    const fromA = await context.cookies(`http://a.${TEST_DOMAIN}:${port}/`);
    assert.deepEqual(fromA.map((c) => c.name).sort(), ['fromServer', 'shared']);
    await context.close();
  });

  test('visibility changes reach the page as the events a tab switch fires', async () => {
    const context = await browser.newContext();
    const tab = await context.newTab();
    await tab.goto(plain());
    await tab.evaluate(() => {
      window.seen = [];
      document.addEventListener('visibilitychange', () =>
        window.seen.push(document.visibilityState),
      );
      window.addEventListener('focus', () => window.seen.push('focus'));
    });
    await tab.setVisibility('hidden');
    await tab.setVisibility('visible');
    await tab.bringToFront();
    assert.deepEqual((await tab.evaluate(() => window.seen)).slice(0, 3), [
      'hidden',
      'visible',
      'focus',
    ]);
    await context.close();
  });
});
