import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { browserSuite, test } from './driver/index.mjs';
import { serveStatic } from './harness.mjs';

browserSuite('script tag', (env) => {
  let browser;
  let server;
  before(async () => {
    server = await serveStatic();
    browser = await env.browser();
  });
  after(() => server?.close());

  test('the IIFE bundle defines the global IDSync on a plain page', async () => {
    const context = await browser.newContext();
    const tab = await context.newTab();
    await tab.goto(`${server.origin}/test/browser/pages/plain.html`);
    const exported = await tab.evaluate(() => Object.keys(window.IDSync).sort());
    assert.ok(exported.includes('IdentityError'), `exports: ${exported.join(', ')}`);
    const code = await tab.evaluate(() => new window.IDSync.IdentityError('network', 'x').code);
    assert.equal(code, 'network');
    assert.deepEqual(await tab.errors(), []);
    await context.close();
  });
});
