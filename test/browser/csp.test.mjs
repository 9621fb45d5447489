import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { browserSuite, test } from './driver/index.mjs';
import { REPO_ROOT, serveStatic } from './harness.mjs';

// Every response carries a strict policy: scripts from this origin only; no
// 'unsafe-inline', no 'unsafe-eval'. The inline-snippet page adds the hash of
// the snippet, the one inline script a site needs.
const STRICT = "default-src 'self'; script-src 'self'";

/** docs/strategies.md, profile isolation: the results of steps 1-8. */
function assertIsolation({ steps, profiles }) {
  const mpids = steps.map((s) => [s.step, s.mpid]);
  assert.deepEqual(mpids, [
    [1, '1234'],
    [2, '2345'],
    [3, '1234'],
    [4, '3456'],
    [5, '2345'],
    [6, '2345'],
    [7, '4567'],
    [8, '2345'],
  ]);
  const [s1, s2, s3, s4, s5, s6, s7, s8] = steps;
  assert.equal(s1.isLoggedIn, false);
  assert.equal(s1.identities.ios_idfv, '9876');
  assert.equal(s2.isLoggedIn, true);
  assert.equal(s2.identities.customerid, 'ABC123');
  assert.equal(s2.identities.email, 'ed.hyde@example.com');
  assert.equal(s3.isLoggedIn, false);
  assert.equal(s3.identities.customerid, undefined, 'nothing known carries over to P1');
  assert.equal(s4.isLoggedIn, true, 'P3 is known (isKnown)');
  assert.deepEqual(s4.identities, { email: 'h.jekyll.md@example.com' });
  assert.equal(s5.isLoggedIn, true);
  assert.equal(s6.identities.email, 'h.jekyll.md@example.com');
  const p3 = profiles.p3AfterModify;
  assert.equal(p3.identities.email, undefined, 'P3 lost the e-mail');
  assert.equal(p3.isKnown, false, 'P3 is an anonymous orphan');
  assert.equal(typeof p3.orphanedAt, 'number');
  assert.equal(s7.isLoggedIn, false);
  assert.equal(s7.identities.roku_publisher_id, '8765');
  assert.equal(s8.isLoggedIn, true);
  const p2 = profiles.p2.identities;
  assert.equal(p2.customerid, 'ABC123');
  assert.equal(p2.email, 'h.jekyll.md@example.com');
  assert.equal(p2.ios_idfv, '9876');
  assert.equal(p2.roku_publisher_id, '8765');
}

browserSuite('CSP', (env) => {
  let browser;
  let server;
  let snippet;

  before(async () => {
    snippet = (await readFile(join(REPO_ROOT, 'dist/snippet.min.js'), 'utf8')).trim();
    const inlinePage = (
      await readFile(join(REPO_ROOT, 'test/browser/pages/csp-inline.html'), 'utf8')
    )
      // A function replacement: the snippet's text must not be read as a `$` pattern.
      .replace(/<script>\s*\/\*SNIPPET\*\/\s*<\/script>/, () => `<script>${snippet}</script>`);
    assert.ok(inlinePage.includes(snippet), 'the inline page carries the snippet');
    const snippetHash = createHash('sha256').update(snippet).digest('base64');

    server = await serveStatic({
      headersFor: () => ({ 'content-security-policy': STRICT }),
      routes: async (_req, res, url) => {
        if (url.pathname === '/idsync.iife.js') {
          res.writeHead(200, {
            'content-type': 'text/javascript; charset=utf-8',
            'content-security-policy': STRICT,
          });
          res.end(await readFile(join(REPO_ROOT, 'dist/idsync.iife.js')));
          return true;
        }
        if (url.pathname === '/test/browser/pages/csp-inline.html') {
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': `default-src 'self'; script-src 'self' 'sha256-${snippetHash}'`,
          });
          res.end(inlinePage);
          return true;
        }
        return false;
      },
    });
    browser = await env.browser();
  });
  after(() => server?.close());

  /**
   * Opens a page with a `securitypolicyviolation` recorder installed before any
   * of its scripts. The policy it is served with is checked from here (WebDriver
   * shows no response headers), on the same URL.
   */
  async function openWatched(path) {
    const policy = (await fetch(`${server.origin}${path}`)).headers.get('content-security-policy');
    assert.match(policy, /script-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-(inline|eval)/);
    const context = await browser.newContext();
    await context.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
      });
    });
    const page = await context.newTab();
    await page.goto(`${server.origin}${path}`);
    return { context, page };
  }

  async function runScenario(page) {
    await page.waitFor(() => window.scenario?.done === true, undefined, { timeout: 20_000 });
    return page.evaluate(() => ({
      scenario: window.scenario,
      violations: window.cspViolations,
    }));
  }

  test('control: the policy is in force and a violation is seen (inline script blocked)', async () => {
    const { context, page } = await openWatched('/test/browser/pages/csp-control.html');
    await page.waitFor(() => window.cspViolations.length > 0);
    const { violations, inlineRan } = await page.evaluate(() => ({
      violations: window.cspViolations,
      inlineRan: window.inlineRan === true,
    }));
    assert.equal(inlineRan, false);
    assert.match(violations[0], /^script-src-elem blocked inline$/);
    await context.close();
  });

  const SCENARIO_PAGES = [
    ['snippet and bundle as files under script-src self', '/test/browser/pages/csp.html'],
    ['snippet inline, allowed by its sha256 only', '/test/browser/pages/csp-inline.html'],
  ];

  for (const [name, path] of SCENARIO_PAGES) {
    test(`${name}: the isolation scenario, no violation`, async () => {
      const { context, page } = await openWatched(path);
      const { scenario, violations } = await runScenario(page);
      assert.equal(scenario.error, null);
      assertIsolation(scenario);
      assert.deepEqual(violations, []);
      assert.deepEqual(await page.errors(), []);
      await context.close();
    });
  }
});
