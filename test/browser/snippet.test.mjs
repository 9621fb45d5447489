import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { gzipSync } from 'node:zlib';
import { browserSuite, engineFreeTest, test } from './driver/index.mjs';
import { REPO_ROOT, serveStatic } from './harness.mjs';

// The loader snippet (dist/snippet.min.js) asks for /idsync.iife.js; each test
// decides how that request is answered: held until the test releases it, or 404.

async function sendBundle(res) {
  const body = await readFile(join(REPO_ROOT, 'dist/idsync.iife.js'));
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(body);
}

engineFreeTest('the snippet is under 1 KB minified', async () => {
  const snippet = await readFile(join(REPO_ROOT, 'dist/snippet.min.js'));
  const gzipped = gzipSync(snippet, { level: 9 }).length;
  console.log(`dist/snippet.min.js: ${snippet.length} B minified, ${gzipped} B gzipped`);
  assert.ok(snippet.length < 1024, `${snippet.length} bytes`);
  assert.match(snippet.toString(), /"\/idsync\.iife\.js"/, 'the bundle URL placeholder is there');
});

engineFreeTest('the documentation shows the snippet exactly as built', async () => {
  const snippet = (await readFile(join(REPO_ROOT, 'dist/snippet.min.js'), 'utf8')).trim();
  // Every doc that shows the snippet must show this one.
  const docs = ['README.md'];
  let shown = 0;
  for (const doc of docs) {
    const text = await readFile(join(REPO_ROOT, doc), 'utf8').catch(() => '');
    if (!text.includes('snippet.min.js')) continue;
    shown += 1;
    assert.ok(text.includes(`<script>${snippet}</script>`), `${doc} shows an outdated snippet`);
  }
  assert.ok(shown > 0, 'no documentation shows the snippet');
});

browserSuite('loader snippet', (env) => {
  let browser;
  let server;
  let answerBundle = async (res) => sendBundle(res);
  before(async () => {
    server = await serveStatic({
      routes: async (_req, res, url) => {
        if (url.pathname !== '/idsync.iife.js') return false;
        await answerBundle(res);
        return true;
      },
    });
    browser = await env.browser();
  });
  after(() => server?.close());

  test('calls made before the bundle loads settle with the real results, in call order', async () => {
    let release;
    const held = new Promise((done) => (release = done));
    answerBundle = async (res) => {
      await held;
      await sendBundle(res);
    };
    const context = await browser.newContext();
    const page = await context.newTab();
    // The held bundle keeps the load event from firing: wait for the DOM only.
    await page.goto(`${server.origin}/test/browser/pages/snippet.html`, {
      waitUntil: 'domcontentloaded',
    });

    const before = await page.evaluate(() => ({
      queued: window.IDSync.q.length,
      hasLibrary: 'createIdentity' in window.IDSync,
      settled: window.settled.length,
    }));
    assert.deepEqual(before, { queued: 7, hasLibrary: false, settled: 0 });

    release();
    await page.waitFor(() => window.settled.length === 7);
    const settled = await page.evaluate(() => window.settled);
    const byName = Object.fromEntries(settled.map((s) => [s.name, s]));

    // The identity calls ran in call order (the mpids and the e-mail show it),
    // each settled with its real result.
    const identityCalls = settled.filter((s) =>
      ['identify', 'login', 'modify', 'logout'].includes(s.name),
    );
    assert.deepEqual(
      identityCalls.map(({ name, ok, mpid, email }) => ({ name, ok, mpid, email })),
      [
        { name: 'identify', ok: true, mpid: '1234', email: null },
        { name: 'login', ok: true, mpid: '2345', email: null },
        { name: 'modify', ok: true, mpid: '2345', email: 'ed.hyde@example.com' },
        { name: 'logout', ok: true, mpid: '1234', email: null },
      ],
    );
    // A bad call rejects with the real error.
    assert.equal(byName['bad login'].ok, false);
    assert.equal(byName['bad login'].errorName, 'IdentityError');
    assert.equal(byName['bad login'].code, 'validation');
    assert.equal(byName.init.ok, true);
    assert.equal(byName.ready.ok, true);

    const state = await page.evaluate(async () => {
      const real = window.IDSync;
      const kept = window.keptStub;
      const late = await kept.login({ userIdentities: { customerid: 'ABC123' } });
      return {
        replaced: real !== kept,
        stubForwards: kept.getClient() === real.getClient(),
        lateMpid: late.mpid,
        current: real.getClient().currentUser.mpid,
        readyCallbackGot: window.readyCallbackGot,
        factoryArgument: window.factoryArgument,
      };
    });
    assert.equal(state.replaced, true);
    assert.equal(state.stubForwards, true);
    assert.equal(state.lateMpid, '2345');
    assert.equal(state.current, '2345');
    assert.equal(state.readyCallbackGot, 'function');
    assert.match(state.factoryArgument, /(^|,)createIdentity(,|$)/);
    assert.deepEqual(await page.errors(), []);
    await context.close();
  });

  test('a bundle that fails to load (404) rejects every queued call, and later ones', async () => {
    answerBundle = async (res) => {
      res.writeHead(404);
      res.end('not here');
    };
    const context = await browser.newContext();
    const page = await context.newTab();
    await page.goto(`${server.origin}/test/browser/pages/snippet.html`);
    await page.waitFor(() => window.settled.length === 7);
    const settled = await page.evaluate(() => window.settled);
    for (const entry of settled) {
      assert.equal(entry.ok, false, `${entry.name} should reject`);
      assert.equal(entry.message, 'IDSync: the bundle could not be loaded from /idsync.iife.js');
      assert.equal(entry.code, 'network', 'the code an IdentityError for a failed fetch carries');
    }
    const late = await page.evaluate(() =>
      window.IDSync.identify().then(
        () => 'resolved',
        (error) => error.message,
      ),
    );
    assert.equal(late, 'IDSync: the bundle could not be loaded from /idsync.iife.js');
    // The browser's own report of the failed bundle is the only console error
    // (Chromium names the status, Firefox the script).
    const errors = await page.errors();
    assert.ok(
      errors.every((e) => /404|idsync\.iife\.js/.test(e)),
      errors.join('\n'),
    );
    await context.close();
  });
});
