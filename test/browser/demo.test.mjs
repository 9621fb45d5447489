// The demo page in a real browser, served exactly as `npm run demo` serves it, on every engine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { parseArgs, startDemoServer } from '../../demo/serve.mjs';
import { browserSuite, engineFreeTest, test } from './driver/index.mjs';
import { REPO_ROOT } from './harness.mjs';

const RESULTS = join(REPO_ROOT, 'test-results');
const PLAY_TIMEOUT_MS = 60_000;

/** The local IDSync server (dist/server.mjs, built by `npm run test:browser`), on a free port. */
async function startIdsyncServer(args) {
  const cli = join(REPO_ROOT, 'dist/server.mjs');
  assert.ok(existsSync(cli), 'dist/server.mjs is missing: run npm run build');
  const child = spawn(
    process.execPath,
    [cli, '--port', '0', '--quiet', '--store', 'memory', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found) done(found[1]);
    });
    child.once('exit', (code) => fail(new Error(`idsync server exited (${code}): ${out}`)));
  });
  return { url, stop: () => child.kill() };
}

browserSuite('demo', (env) => {
  let browser;
  let server;
  before(async () => {
    server = await startDemoServer({ port: 0 });
    browser = await env.browser();
  });
  after(() => server?.close());

  /** A fresh browser context: its own IndexedDB and localStorage. */
  async function openDemo(viewport = { width: 1440, height: 900 }, beforePage) {
    const context = await browser.newContext({ viewport });
    if (beforePage) await context.addInitScript(...beforePage);
    // Counts every <img> ever attached, even one removed again before we look.
    await context.addInitScript(() => {
      window.imgsAdded = 0;
      new MutationObserver((mutations) => {
        for (const { addedNodes } of mutations) {
          for (const node of addedNodes) {
            if (node.nodeName === 'IMG' || node.querySelector?.('img')) window.imgsAdded += 1;
          }
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newTab();
    await page.goto(server.url);
    await page.waitForSelector('body[data-world="local"]');
    return { context, page };
  }

  async function playByClicking(page, strategy) {
    await page.select('#strategy', strategy);
    await page.waitForSelector('body[data-world="local"]');
    await page.click('#play:not([disabled])');
    const rows = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#scenario tbody tr')].map((row) => ({
          step: row.dataset.step,
          status: row.dataset.status,
          text: row.innerText.replace(/\s+/g, ' '),
        })),
      );
    try {
      await page.waitForSelector('#scenario-summary[data-state="done"]', {
        timeout: PLAY_TIMEOUT_MS,
      });
    } catch (error) {
      // Where the scenario stopped says more than the timeout does.
      const summary = await page.text('#scenario-summary').catch(() => '?');
      const shown = JSON.stringify({ summary, rows: await rows(), errors: await page.errors() });
      throw new Error(`${error.message}\n${shown}`);
    }
    return rows();
  }

  /** The n-th (from 1) identity row's input. */
  const identityInput = (n) => `#identity-rows > .identity-row:nth-child(${n}) input`;
  const isHidden = (page, selector) =>
    page.evaluate((s) => {
      const el = document.querySelector(s);
      return (
        !el || el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden'
      );
    }, selector);

  test('the page loads the bundle with a plain script tag and starts on the in-page resolver', async () => {
    const { context, page } = await openDemo();
    const bundleTag = await page.evaluate(() => {
      const script = document.querySelector('script[src$="idsync.iife.js"]');
      return { src: script.getAttribute('src'), type: script.type };
    });
    assert.deepEqual(bundleTag, { src: 'dist/idsync.iife.js', type: '' });
    assert.equal(await isHidden(page, '#banner'), true);
    assert.match(await page.text('#user'), /No current user/);
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('the strategy picker lists the strategies the bundle registers', async () => {
    const { context, page } = await openDemo();
    const registered = await page.evaluate(() =>
      window.IDSync.listStrategies().map(({ name, label }) => ({ name, label })),
    );
    assert.deepEqual(
      registered.map(({ name }) => name),
      ['conversion', 'link', 'isolation', 'best-match'],
    );
    const options = await page.evaluate(() =>
      [...document.querySelectorAll('#strategy option')].map((node) => ({
        name: node.value,
        label: node.textContent,
      })),
    );
    assert.deepEqual(options, registered);
    // The HTTP switch says how to start the server it needs.
    assert.match(await page.text('#http-settings .hint'), /npm run server/);
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('playing the isolation scenario by clicking shows every step matching', async () => {
    const { context, page } = await openDemo();
    const rows = await playByClicking(page, 'isolation');
    assert.equal(rows.length, 8);
    for (const row of rows) assert.equal(row.status, 'match', `step ${row.step}: ${row.text}`);
    assert.match(await page.text('#scenario-summary'), /8 of 8 steps match/);
    // The live panels show the scenario's world: P2 known and current, P3 an orphan.
    assert.equal(await page.attribute('#profiles article.current', 'data-mpid'), '2345');
    assert.equal(await page.attribute('#profiles article.orphan', 'data-mpid'), '3456');
    assert.equal(await page.count('#profiles article'), 4);

    await mkdir(RESULTS, { recursive: true });
    await page.screenshot(join(RESULTS, `demo-${env.engine}.png`));
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  for (const strategy of ['conversion', 'link', 'best-match']) {
    test(`the ${strategy} scenario replays with every step matching`, async () => {
      const { context, page } = await openDemo();
      const rows = await playByClicking(page, strategy);
      assert.ok(rows.length >= 6);
      for (const row of rows) assert.equal(row.status, 'match', `step ${row.step}: ${row.text}`);
      assert.deepEqual(await page.errors(), []);
      await context.close();
    });
  }

  test('a typed identity value is shown as text, never run as HTML', async () => {
    const { context, page } = await openDemo();
    const payload = '<img src=x onerror=alert(1)>';
    await page.select('#identity-rows > .identity-row:nth-child(1) select', 'customerid');
    await page.fill(identityInput(1), payload);
    await page.click('#identity-form button[value="identify"]');
    await page.waitForSelector('#user .user-head');
    await page.waitForSelector('#log .entry.ok');

    assert.ok((await page.text('#user')).includes(payload));
    assert.ok((await page.text('#profiles')).includes(payload));
    assert.ok((await page.text('#log')).includes(payload));
    assert.equal(await page.count('img'), 0);
    assert.equal(await page.evaluate(() => window.imgsAdded), 0);
    assert.deepEqual(await page.dialogs(), []);
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  /**
   * Init script that adjusts the bundle's exports as the bundle defines them:
   * 'alias-down' makes the resolver answer every alias with a transient 503,
   * 'no-outbox' hands out clients without `pendingAliasCount` (the older client).
   */
  function patchIdsync(mode) {
    const patch = (mode) => {
      const hideOutbox = (client) =>
        new Proxy(client, {
          get(target, key) {
            if (key === 'pendingAliasCount') return undefined;
            const value = Reflect.get(target, key, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      let api;
      Object.defineProperty(window, 'IDSync', {
        configurable: true,
        get: () => api,
        set: (IDSync) => {
          api = IDSync;
          if (mode === 'alias-down') {
            IDSync.LocalResolver.prototype.alias = async () => {
              throw new IDSync.IdentityError('server', 'alias service down (test)', {
                httpCode: 503,
              });
            };
          } else if (mode === 'no-outbox') {
            api = {
              ...IDSync,
              createIdentity: async (options) => hideOutbox(await IDSync.createIdentity(options)),
            };
          }
        },
      });
    };
    return [patch, mode];
  }

  test('the alias outbox panel shows what the client has waiting', async () => {
    // The alias service is down (a transient 503): the outbox keeps the request.
    const down = patchIdsync('alias-down');
    const { context, page } = await openDemo({ width: 1440, height: 900 }, down);
    await page.waitForSelector('#outbox', { hasText: '0 alias requests waiting' });
    await page.select('#strategy', 'link');
    await page.waitForSelector('body[data-world="local"]');
    await page.click('#identity-form button[value="identify"]');
    await page.waitForSelector('#user .mpid');
    await page.fill(identityInput(1), 'C-7');
    await page.fill(identityInput(2), 'seven@example.com');
    await page.click('#identity-form button[value="login"]');
    await page.waitForSelector('#user .badge.known');
    await page.click('#alias-form button[type=submit]');
    await page.waitForSelector('#action-status[data-kind="error"]', { hasText: 'alias failed' });
    await page.waitForSelector('#outbox', { hasText: '1 alias request waiting' });
    // Still down: sending now keeps it waiting, and says so.
    await page.click('#flush-outbox');
    await page.waitForSelector('#action-status[data-kind="ok"]', {
      hasText: '1 alias request still waiting',
    });
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('the alias outbox panel shows "—" for a client without one', async () => {
    const older = patchIdsync('no-outbox');
    const { context, page } = await openDemo({ width: 1440, height: 900 }, older);
    await page.click('#identity-form button[value="identify"]');
    await page.waitForSelector('#user .mpid');
    assert.equal(await page.text('#outbox'), '—');
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('the layout holds on a phone-sized screen', async (t) => {
    const { context, page } = await openDemo({ width: 390, height: 844 });
    const { overflow, width } = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      width: window.innerWidth,
    }));
    if (env.engine === 'webkit' && width > 390) {
      await context.close();
      return env.unsupported(
        t,
        `MiniBrowser's window (its toolbar) is at least ${width} px wide, so WebKitWebDriver ` +
          'cannot give the page a 390 px viewport; the phone-sized layout is proven on Chromium and Firefox',
      );
    }
    assert.equal(width, 390, 'the viewport is phone-sized');
    assert.equal(overflow, 0, 'the page scrolls sideways');
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot(join(RESULTS, `demo-narrow-${env.engine}.png`));
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('the HTTP switch drives the local IDSync server instead of the in-page resolver', async () => {
    const idsync = await startIdsyncServer(['--strategy', 'isolation', '--api-key', 'test-key']);
    const { context, page } = await openDemo();
    try {
      await page.click('input[name=mode][value=http]');
      await page.fill('#http-settings input[name=baseUrl]', idsync.url);
      await page.fill('#http-settings input[name=apiKey]', 'test-key');
      await page.click('#http-settings button[type=submit]');
      await page.waitForSelector('body[data-world="http"]');

      const call = async (name, expected) => {
        await page.click(`#identity-form button[value="${name}"]`);
        await page.waitForSelector('#action-status[data-kind="ok"]', { hasText: name });
        assert.match(await page.text('#action-status'), expected);
        return page.text('#user .mpid');
      };
      const anonymous = await call('identify', /identify: HTTP 200/);
      await page.fill(identityInput(1), 'C-42');
      await page.fill(identityInput(2), 'someone@example.com');
      const known = await call('login', /login: HTTP 200, current user now/);
      assert.notEqual(known, anonymous);
      // Isolation, decided by the server: logout returns to this device's anonymous profile.
      assert.equal(await call('logout', /logout: HTTP 200/), anonymous);
      assert.match(await page.text('#profiles'), /live on the server/);
      assert.equal(await page.evaluate(() => document.querySelector('#play').disabled), true);
      const log = await page.text('#log');
      assert.match(log, /logout/);
      assert.match(log, /"isLoggedIn":true/);
      assert.deepEqual(await page.errors(), []);
    } finally {
      await context.close();
      idsync.stop();
    }
  });
});

engineFreeTest(
  'the demo server serves demo/ at / and dist/ at /dist/, and nothing else',
  async () => {
    const server = await startDemoServer({ port: 0 });
    try {
      const get = (path) => fetch(new URL(path, server.url));
      const page = await get('/');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type'), /^text\/html/);
      assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
      assert.match(await page.text(), /<script src="dist\/idsync.iife.js"><\/script>/);
      assert.equal((await get('/dist/idsync.iife.js')).status, 200);
      assert.match((await get('/app.js')).headers.get('content-type'), /^text\/javascript/);
      // Raw paths: fetch() would normalise the dot segments away before sending.
      assert.equal(await rawStatus(server, '/dist/idsync.iife.js'), 200);
      for (const path of [
        '/../package.json',
        '/%2e%2e/package.json',
        '/dist/../../package.json',
        '/dist/%2e%2e/package.json',
        '/..%2fpackage.json',
        '/%00',
      ]) {
        assert.equal(await rawStatus(server, path), 404, path);
      }
      assert.equal((await get('/no-such-file.js')).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  },
);

function rawStatus(server, path) {
  return new Promise((done, fail) => {
    const req = httpGet({ host: '127.0.0.1', port: server.port, path }, (res) => {
      res.resume();
      done(res.statusCode);
    });
    req.on('error', fail);
  });
}

engineFreeTest('npm run demo takes --port and --host', () => {
  assert.deepEqual(parseArgs([]), { port: 5173, host: '127.0.0.1' });
  assert.deepEqual(parseArgs(['--port', '8080']), { port: 8080, host: '127.0.0.1' });
  assert.deepEqual(parseArgs(['--port=0', '--host=0.0.0.0']), { port: 0, host: '0.0.0.0' });
  assert.deepEqual(parseArgs([], { PORT: '9000' }), { port: 9000, host: '127.0.0.1' });
  assert.throws(() => parseArgs(['--port', 'x']), /--port/);
  assert.throws(() => parseArgs(['--port']), /needs a value/);
  assert.throws(() => parseArgs(['--verbose']), /unknown option/);
});
