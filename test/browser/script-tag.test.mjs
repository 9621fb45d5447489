import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collectPageErrors, launchBrowser, serveStatic } from './harness.mjs';

let browser;
let server;
before(async () => {
  server = await serveStatic();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the IIFE bundle defines the global IDSync on a plain page', async () => {
  const page = await browser.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.origin}/test/browser/pages/plain.html`);
  const exported = await page.evaluate(() => Object.keys(window.IDSync).sort());
  assert.ok(exported.includes('IdentityError'), `exports: ${exported.join(', ')}`);
  const code = await page.evaluate(() => new window.IDSync.IdentityError('network', 'x').code);
  assert.equal(code, 'network');
  assert.deepEqual(errors, []);
  await page.close();
});
