// The identity cookie in a real browser: one test server answering for
// a.idsync.test and b.idsync.test (sibling subdomains, each engine maps them
// to 127.0.0.1), with the test identity service, the site's refresh handler
// (idsync-web/server) and a server-rendered page that hands `bootstrap` over.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before } from 'node:test';
import { browserSuite, test, TEST_DOMAIN } from './driver/index.mjs';
import { createTestBackend } from './backend.mjs';
import { serveStatic } from './harness.mjs';
import { startDemoServer } from '../../demo/serve.mjs';

const REFRESH_PATH = '/idsync/cookie';
const DAY = 86_400;

/** Every identity value any page sent to the identity service, in the whole suite. */
const sentIdentities = new Set();

async function readBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw;
}

/** The test server: identity service, refresh handler, server-rendered page, the repository. */
async function startSite() {
  const backend = createTestBackend();
  const { identityCookieHandler, parseIdentityCookie } = await import('../../dist/site-server.mjs');
  const handler = identityCookieHandler({ refreshUrl: REFRESH_PATH });
  const setCookies = [];
  const server = await serveStatic({
    routes: async (req, res, url) => {
      if (url.pathname.startsWith('/backend/') && req.method === 'POST') {
        // Note every identity sent, then hand the request on as it came.
        const raw = await readBody(req);
        const body = JSON.parse(raw);
        const identities = body.knownIdentities ?? {};
        for (const [type, value] of Object.entries(identities)) {
          if (type !== 'device_application_stamp') sentIdentities.add(value);
        }
        for (const change of body.identityChanges ?? []) {
          if (change.newValue) sentIdentities.add(change.newValue);
        }
        const replay = Object.assign(Readable.from([raw]), {
          method: req.method,
          headers: req.headers,
        });
        return backend.routes(replay, res, url);
      }
      if (url.pathname === REFRESH_PATH) {
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name, value) => {
          if (name.toLowerCase() === 'set-cookie') setCookies.push(String(value));
          return setHeader(name, value);
        };
        await handler(req, res);
        return true;
      }
      if (url.pathname === '/ssr') {
        // A server page: the device from the identity cookie, the signed-in
        // user from its own session (here: ?session=MPID).
        const state = parseIdentityCookie(req.headers.cookie);
        const bootstrap = {
          ...(state ? { deviceId: state.deviceId } : {}),
          mpid: url.searchParams.get('session'),
          isLoggedIn: true,
        };
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><html><head><meta charset="utf-8"><title>ssr</title>` +
            `<script>window.serverBootstrap = ${JSON.stringify(bootstrap)};</script>` +
            `<script src="/dist/idsync.iife.js"></script>` +
            `<script src="/test/browser/pages/tabs-page.js"></script></head><body>ssr</body></html>`,
        );
        return true;
      }
      return false;
    },
  });
  const port = new URL(server.origin).port;
  return {
    backend,
    setCookies,
    close: () => server.close(),
    url: (sub, db, path = '/test/browser/pages/tabs.html') =>
      `http://${sub}.${TEST_DOMAIN}:${port}${path}${path.includes('?') ? '&' : '?'}db=${db}`,
  };
}

const COOKIE = { refreshUrl: REFRESH_PATH };

/**
 * A value the decoder accepts, at revision 0 (older than any stored state):
 * the format's checksum is FNV-1a, a check against damage, not a signature.
 */
function olderCookie(deviceId, mpid) {
  const body = `idsync.1.${deviceId}.${mpid}.0.0`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) hash = Math.imul(hash ^ body.charCodeAt(i), 0x01000193);
  return `${body}.${(hash >>> 0).toString(36)}`;
}

/** A tab on `url` with a started client; resolves with the tab and its first summary. */
async function openClient(context, url, options = { cookie: COOKIE }) {
  const tab = await context.newTab();
  await tab.goto(url);
  const summary = await tab.evaluate((o) => window.start(o), options);
  return { tab, summary };
}

/** The identity cookie as the page reads it, decoded. */
const readCookie = (tab) =>
  tab.evaluate(() => {
    const pair = document.cookie.split('; ').find((p) => p.startsWith('idsync='));
    if (!pair) return null;
    const [, , deviceId, mpid, flag, revision] = pair.slice(7).split('.');
    return {
      value: pair.slice(7),
      deviceId,
      mpid: mpid || null,
      isLoggedIn: flag === '1',
      revision: +revision,
    };
  });

browserSuite('identity cookie across subdomains', (env) => {
  let browser;
  let site;
  /** every identity cookie value any test saw, checked against every identity sent */
  const cookieValues = new Set();
  const note = async (context) => {
    for (const sub of ['a', 'b']) {
      for (const cookie of await context.cookies(site.url(sub, 'x'))) {
        if (cookie.name === 'idsync') cookieValues.add(cookie.value);
      }
    }
  };

  before(async () => {
    site = await startSite();
    browser = await env.browser();
  });
  after(() => site?.close());

  test(
    '1. login on a: a first visit to b starts with the same device and user, no identify ' +
      '(http://*.idsync.test is no secure context: no Web Locks, no crypto.randomUUID; their fallbacks run)',
    async () => {
      const context = await browser.newContext();
      const { tab: a, summary: started } = await openClient(context, site.url('a', 'one'));
      // What the page lacks here, and what the client does instead.
      const page = await a.evaluate(() => ({
        secure: window.isSecureContext,
        locks: typeof navigator.locks,
        randomUUID: typeof crypto.randomUUID,
      }));
      assert.deepEqual(page, { secure: false, locks: 'undefined', randomUUID: 'undefined' });
      assert.match(
        started.deviceId,
        /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/,
      );
      const login = await a.evaluate(async () => {
        await window.idsync.login({
          userIdentities: { customerid: 'cust-one', email: 'one@example.org' },
        });
        return window.summary();
      });
      const identifies = site.backend.counts.identify;
      const { summary: b } = await openClient(context, site.url('b', 'one'));
      assert.equal(site.backend.counts.identify, identifies, 'b sent no identify');
      assert.equal(b.deviceId, login.deviceId);
      assert.equal(b.mpid, login.mpid);
      assert.equal(b.isLoggedIn, true);
      await note(context);
      await context.close();
    },
  );

  test("2. a login on b while a tab of a is open: a adopts it on focus, with a 'sync' event", async () => {
    const context = await browser.newContext();
    const { tab: a, summary: before } = await openClient(context, site.url('a', 'two'));
    const { tab: b } = await openClient(context, site.url('b', 'two'));
    const synced = a.evaluate(() => window.nextSync());
    await a.setVisibility('hidden');
    const login = await b.evaluate(async () => {
      const result = await window.idsync.login({ userIdentities: { email: 'two@example.org' } });
      return result.mpid;
    });
    assert.notEqual(login, before.mpid);
    await a.setVisibility('visible');
    await a.bringToFront();
    const event = await synced;
    assert.equal(event.mpid, login);
    assert.equal(event.summary.isLoggedIn, true);
    assert.equal(event.summary.deviceId, before.deviceId);
    await note(context);
    await context.close();
  });

  test("3. IndexedDB deleted (Safari's wipe), cookie left: start-up restores device and user, no request", async () => {
    const context = await browser.newContext();
    const { tab, summary: first } = await openClient(context, site.url('a', 'three'));
    const login = await tab.evaluate(async () => {
      await window.idsync.login({ userIdentities: { customerid: 'cust-three' } });
      await window.idsync.close();
      return window.summary();
    });
    await tab.deleteDatabase('three');
    const requests = { ...site.backend.counts };
    await tab.reload();
    const restored = await tab.evaluate(() =>
      window.start({ cookie: { refreshUrl: '/idsync/cookie' } }),
    );
    assert.deepEqual(site.backend.counts, requests, 'no request at all');
    assert.equal(restored.deviceId, first.deviceId);
    assert.equal(restored.mpid, login.mpid);
    assert.equal(restored.isLoggedIn, true);
    const identities = await tab.evaluate(() => window.idsync.currentUser.identities);
    assert.deepEqual(identities, {}, 'a user seen only through the cookie has no identities yet');
    await note(context);
    await context.close();
  });

  test('4. refreshUrl: the cookie arrives by Set-Cookie with Max-Age of at least 395 days', async () => {
    const context = await browser.newContext();
    const { tab } = await openClient(context, site.url('a', 'four'));
    const sent = site.setCookies.length;
    await tab.evaluate(() => window.idsync.login({ userIdentities: { customerid: 'cust-four' } }));
    const cookie = await readCookie(tab);
    await tab.waitFor((value) => document.cookie.includes(value), cookie.value);
    // The POST is in the background: wait for the server's answer.
    const deadline = Date.now() + 10_000;
    while (!site.setCookies.slice(sent).some((h) => h.includes(cookie.value))) {
      assert.ok(Date.now() < deadline, 'no Set-Cookie for the login within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const header = site.setCookies.slice(sent).find((h) => h.includes(cookie.value));
    const maxAge = Number(/Max-Age=(\d+)/i.exec(header)?.[1]);
    assert.ok(maxAge >= 395 * DAY, `Max-Age ${maxAge} s`);
    assert.match(header, new RegExp(`Domain=${TEST_DOMAIN.replace('.', '\\.')}`, 'i'));
    const [stored] = (await context.cookies(site.url('b', 'four'))).filter(
      (c) => c.name === 'idsync',
    );
    assert.equal(stored.value, cookie.value, 'the sibling sees the server-set cookie');
    await note(context);
    await context.close();
  });

  test('5. bootstrap from a server-rendered page wins over a stale stored user, with no request', async () => {
    const context = await browser.newContext();
    const { tab, summary: stale } = await openClient(context, site.url('a', 'five'));
    const requests = { ...site.backend.counts };
    await tab.evaluate(() => window.idsync.close());
    await tab.goto(site.url('a', 'five', '/ssr?session=8675309'));
    const summary = await tab.evaluate(() =>
      window.start({ cookie: { refreshUrl: '/idsync/cookie' }, bootstrap: window.serverBootstrap }),
    );
    assert.deepEqual(site.backend.counts, requests, 'no request at all');
    assert.equal(summary.mpid, '8675309');
    assert.notEqual(stale.mpid, '8675309');
    assert.equal(summary.isLoggedIn, true);
    assert.equal(summary.deviceId, stale.deviceId, 'the device the server read from the cookie');
    // The cookie follows, for the siblings.
    const cookie = await readCookie(tab);
    assert.equal(cookie.mpid, '8675309');
    await note(context);
    await context.close();
  });

  test('6. the cookie holds no identity value of any user', async () => {
    const context = await browser.newContext();
    const { tab } = await openClient(context, site.url('b', 'six'));
    await tab.evaluate(async () => {
      await window.idsync.login({
        userIdentities: { customerid: 'cust-six', email: 'six@example.org' },
      });
      await window.idsync.modify({ userIdentities: { other: 'loyalty-6' } });
    });
    await note(context);
    await context.close();
    for (const header of site.setCookies) cookieValues.add(header.split(';')[0].split('=')[1]);
    assert.ok(sentIdentities.has('six@example.org') && sentIdentities.has('loyalty-6'));
    assert.ok(cookieValues.size >= 5, `cookies seen: ${[...cookieValues].join(' ')}`);
    for (const value of cookieValues) {
      for (const identity of sentIdentities) {
        assert.ok(!value.includes(identity), `cookie ${value} holds the identity ${identity}`);
        assert.ok(
          !value.includes(encodeURIComponent(identity)),
          `cookie ${value} holds ${identity}, encoded`,
        );
      }
    }
  });

  test('7. each bad cookie: ignored, one warning, nothing lost', async () => {
    const context = await browser.newContext();
    const { tab, summary: good } = await openClient(context, site.url('a', 'seven'));
    const valid = (await readCookie(tab)).value;
    await tab.evaluate(() => window.idsync.close());
    const body = valid.slice(0, valid.lastIndexOf('.'));
    const bad = {
      tampered: `${body.replace(/\.(\d+)\.0\./, '.4242.1.')}.${valid.split('.').pop()}`,
      truncated: valid.slice(0, -3),
      oversized: `${valid}${'7'.repeat(150)}`,
      foreign: 'GA1.2.1234567.1700000000',
      version: valid.replace('idsync.1.', 'idsync.2.'),
      outdated: null, // a valid value, older, naming another device and user
    };
    for (const [kind, value] of Object.entries(bad)) {
      const cookieValue = value ?? olderCookie('old-device', '31337');
      await context.setCookies([
        { name: 'idsync', value: cookieValue, domain: `.${TEST_DOMAIN}`, path: '/' },
      ]);
      const requests = site.backend.counts.identify;
      await tab.reload();
      const summary = await tab.evaluate(() => window.start({ cookie: {} }));
      assert.equal(site.backend.counts.identify, requests, `${kind}: no identify`);
      assert.equal(summary.deviceId, good.deviceId, `${kind}: device kept`);
      assert.equal(summary.mpid, good.mpid, `${kind}: user kept`);
      // Focus and a call look at the cookie again: still one warning.
      await tab.bringToFront();
      await tab.evaluate(() => window.idsync.modify({ userIdentities: { other: 'seven' } }));
      const warnings = await tab.evaluate(() =>
        window.warnings.filter((w) => w.includes('identity cookie')),
      );
      assert.equal(warnings.length, 1, `${kind}: ${JSON.stringify(warnings)}`);
      assert.equal((await tab.evaluate(() => window.summary())).mpid, good.mpid);
      await tab.evaluate(() => window.idsync.close());
    }
    await context.close();
  });

  test("8. the demo: the cookie panel decodes the cookie; 'wipe IndexedDB' restores the user from it", async () => {
    const demo = await startDemoServer({ port: 0 });
    const context = await browser.newContext();
    try {
      const tab = await context.newTab();
      await tab.goto(demo.url);
      // (tab.waitFor: the driver's waitForSelector without hasText passes null as the text)
      const present = (selector) =>
        tab.waitFor((s) => document.querySelector(s) !== null, selector);
      await present('body[data-world="local"]');
      await tab.fill('#identity-rows input', 'cust-demo');
      await tab.click('#identity-form button[value=login]');
      await present('[data-cookie=fields]');
      const mpid = await tab.text('[data-cookie=mpid]');
      assert.match(mpid, /^-?\d+$/);
      await present('[data-cookie=refresh]'); // the demo server re-issued it
      await tab.click('#wipe-idb');
      await tab.waitFor(() =>
        /restored from the cookie/.test(document.getElementById('action-status').textContent),
      );
      const status = await tab.text('#action-status');
      assert.match(status, new RegExp(`device same, user ${mpid} \\(was ${mpid}\\), 0 request`));
    } finally {
      await context.close();
      await demo.close();
    }
  });
});
