// The demo page in a real Chromium, served exactly as `npm run demo` serves it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseArgs, startDemoServer } from '../../demo/serve.mjs';
import { collectPageErrors, launchBrowser, REPO_ROOT } from './harness.mjs';

const RESULTS = join(REPO_ROOT, 'test-results');
const PLAY_TIMEOUT_MS = 30_000;

let browser;
let server;
before(async () => {
  server = await startDemoServer({ port: 0 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

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
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(server.url);
  await page.locator('body[data-world="local"]').waitFor();
  return { context, page, errors, dialogs };
}

async function playByClicking(page, strategy) {
  await page.selectOption('#strategy', strategy);
  await page.locator('#play:not([disabled])').click();
  await page.locator('#scenario-summary[data-state="done"]').waitFor({ timeout: PLAY_TIMEOUT_MS });
  return page.$$eval('#scenario tbody tr', (rows) =>
    rows.map((row) => ({
      step: row.dataset.step,
      status: row.dataset.status,
      text: row.innerText.replace(/\s+/g, ' '),
    })),
  );
}

test('the page loads the bundle with a plain script tag and starts on the in-page resolver', async () => {
  const { context, page, errors } = await openDemo();
  const bundleTag = await page.$eval('script[src$="idsync.iife.js"]', (script) => ({
    src: script.getAttribute('src'),
    type: script.type,
  }));
  assert.deepEqual(bundleTag, { src: 'dist/idsync.iife.js', type: '' });
  assert.equal(await page.locator('#banner').isHidden(), true);
  assert.match(await page.locator('#user').innerText(), /No current user/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the strategy picker lists the strategies the bundle registers', async () => {
  const { context, page, errors } = await openDemo();
  const registered = await page.evaluate(() =>
    window.IDSync.listStrategies().map(({ name, label }) => ({ name, label })),
  );
  assert.deepEqual(
    registered.map(({ name }) => name),
    ['conversion', 'link', 'isolation', 'best-match'],
  );
  const options = await page.$$eval('#strategy option', (nodes) =>
    nodes.map((node) => ({ name: node.value, label: node.textContent })),
  );
  assert.deepEqual(options, registered);
  // The HTTP switch says how to start the server it needs.
  assert.match(await page.locator('#http-settings .hint').textContent(), /npm run server/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('playing the isolation scenario by clicking shows every step matching', async () => {
  const { context, page, errors } = await openDemo();
  const rows = await playByClicking(page, 'isolation');
  assert.equal(rows.length, 8);
  for (const row of rows) assert.equal(row.status, 'match', `step ${row.step}: ${row.text}`);
  assert.match(await page.locator('#scenario-summary').innerText(), /8 of 8 steps match/);
  // The live panels show the scenario's world: P2 known and current, P3 an orphan.
  const current = page.locator('#profiles article.current');
  assert.equal(await current.getAttribute('data-mpid'), '2345');
  assert.equal(await page.locator('#profiles article.orphan').getAttribute('data-mpid'), '3456');
  assert.equal(await page.locator('#profiles article').count(), 4);

  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, 'demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

for (const strategy of ['conversion', 'link', 'best-match']) {
  test(`the ${strategy} scenario replays with every step matching`, async () => {
    const { context, page, errors } = await openDemo();
    const rows = await playByClicking(page, strategy);
    assert.ok(rows.length >= 6);
    for (const row of rows) assert.equal(row.status, 'match', `step ${row.step}: ${row.text}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('a typed identity value is shown as text, never run as HTML', async () => {
  const { context, page, errors, dialogs } = await openDemo();
  const payload = '<img src=x onerror=alert(1)>';
  const row = page.locator('#identity-rows .identity-row').first();
  await row.locator('select').selectOption('customerid');
  await row.locator('input').fill(payload);
  await page.locator('#identity-form button[value="identify"]').click();
  await page.locator('#user .user-head').waitFor();
  await page.locator('#log .entry.ok').first().waitFor();

  assert.ok((await page.locator('#user').innerText()).includes(payload));
  assert.ok((await page.locator('#profiles').innerText()).includes(payload));
  assert.ok((await page.locator('#log').innerText()).includes(payload));
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.imgsAdded), 0);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
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
  const { context, page, errors } = await openDemo({ width: 1440, height: 900 }, down);
  await page.locator('#outbox', { hasText: '0 alias requests waiting' }).waitFor();
  await page.selectOption('#strategy', 'link');
  await page.locator('body[data-world="local"]').waitFor();
  await page.locator('#identity-form button[value="identify"]').click();
  await page.locator('#user .mpid').waitFor();
  const rows = page.locator('#identity-rows .identity-row input');
  await rows.nth(0).fill('C-7');
  await rows.nth(1).fill('seven@example.com');
  await page.locator('#identity-form button[value="login"]').click();
  await page.locator('#user .badge.known').waitFor();
  await page.locator('#alias-form button[type=submit]').click();
  await page.locator('#action-status[data-kind="error"]', { hasText: 'alias failed' }).waitFor();
  await page.locator('#outbox', { hasText: '1 alias request waiting' }).waitFor();
  // Still down: sending now keeps it waiting, and says so.
  await page.locator('#flush-outbox').click();
  await page
    .locator('#action-status[data-kind="ok"]', { hasText: '1 alias request still waiting' })
    .waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('the alias outbox panel shows "—" for a client without one', async () => {
  const older = patchIdsync('no-outbox');
  const { context, page, errors } = await openDemo({ width: 1440, height: 900 }, older);
  await page.locator('#identity-form button[value="identify"]').click();
  await page.locator('#user .mpid').waitFor();
  assert.equal(await page.locator('#outbox').innerText(), '—');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the layout holds on a phone-sized screen', async () => {
  const { context, page, errors } = await openDemo({ width: 390, height: 844 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, 'the page scrolls sideways');
  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, 'demo-narrow.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the demo server serves demo/ at / and dist/ at /dist/, and nothing else', async () => {
  const get = (path) => fetch(new URL(path, server.url));
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
  assert.match(await page.text(), /<script src="dist\/idsync.iife.js"><\/script>/);
  assert.equal((await get('/dist/idsync.iife.js')).status, 200);
  assert.match((await get('/app.js')).headers.get('content-type'), /^text\/javascript/);
  // Raw paths: fetch() would normalise the dot segments away before sending.
  assert.equal(await rawStatus('/dist/idsync.iife.js'), 200);
  for (const path of [
    '/../package.json',
    '/%2e%2e/package.json',
    '/dist/../../package.json',
    '/dist/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/%00',
  ]) {
    assert.equal(await rawStatus(path), 404, path);
  }
  assert.equal((await get('/no-such-file.js')).status, 404);
  assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
});

/** The local IDSync server (dist/server.mjs, built by `npm run test:browser`), on a free port. */
async function startIdsyncServer(args) {
  const cli = join(REPO_ROOT, 'dist/server.mjs');
  assert.ok(existsSync(cli), 'dist/server.mjs is missing: run npm run build');
  const child = spawn(process.execPath, [cli, '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

test('the HTTP switch drives the local IDSync server instead of the in-page resolver', async () => {
  const idsync = await startIdsyncServer(['--strategy', 'isolation', '--api-key', 'test-key']);
  const { context, page, errors } = await openDemo();
  try {
    await page.locator('input[name=mode][value=http]').check();
    const settings = page.locator('#http-settings');
    await settings.locator('input[name=baseUrl]').fill(idsync.url);
    await settings.locator('input[name=apiKey]').fill('test-key');
    await settings.locator('button[type=submit]').click();
    await page.locator('body[data-world="http"]').waitFor();

    const status = page.locator('#action-status');
    const call = async (name, expected) => {
      await page.locator(`#identity-form button[value="${name}"]`).click();
      await page.locator(`#action-status[data-kind="ok"]`).filter({ hasText: name }).waitFor();
      assert.match(await status.innerText(), expected);
      return page.locator('#user .mpid').innerText();
    };
    const anonymous = await call('identify', /identify: HTTP 200/);
    const rows = page.locator('#identity-rows .identity-row input');
    await rows.nth(0).fill('C-42');
    await rows.nth(1).fill('someone@example.com');
    const known = await call('login', /login: HTTP 200, current user now/);
    assert.notEqual(known, anonymous);
    // Isolation, decided by the server: logout returns to this device's anonymous profile.
    assert.equal(await call('logout', /logout: HTTP 200/), anonymous);
    assert.match(await page.locator('#profiles').innerText(), /live on the server/);
    assert.equal(await page.locator('#play').isDisabled(), true);
    const log = await page.locator('#log').innerText();
    assert.match(log, /logout/);
    assert.match(log, /"isLoggedIn":true/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    idsync.stop();
  }
});

function rawStatus(path) {
  return new Promise((done, fail) => {
    const req = httpGet({ host: '127.0.0.1', port: server.port, path }, (res) => {
      res.resume();
      done(res.statusCode);
    });
    req.on('error', fail);
  });
}

test('npm run demo takes --port and --host', () => {
  assert.deepEqual(parseArgs([]), { port: 5173, host: '127.0.0.1' });
  assert.deepEqual(parseArgs(['--port', '8080']), { port: 8080, host: '127.0.0.1' });
  assert.deepEqual(parseArgs(['--port=0', '--host=0.0.0.0']), { port: 0, host: '0.0.0.0' });
  assert.deepEqual(parseArgs([], { PORT: '9000' }), { port: 9000, host: '127.0.0.1' });
  assert.throws(() => parseArgs(['--port', 'x']), /--port/);
  assert.throws(() => parseArgs(['--port']), /needs a value/);
  assert.throws(() => parseArgs(['--verbose']), /unknown option/);
});
