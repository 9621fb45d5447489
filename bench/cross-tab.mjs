// How long a change in one tab takes to appear in another: two pages of one
// browser context (Debian's Chromium), the built IIFE, BroadcastChannel.
// Both pages stamp with performance.timeOrigin + performance.now().
// Run: npm run build && node bench/cross-tab.mjs
import { createTestBackend } from '../test/browser/backend.mjs';
import { launchBrowser, serveStatic } from '../test/browser/harness.mjs';

const RUNS = 20;
const WARM_UP = 3;

const backend = createTestBackend();
const server = await serveStatic({ routes: backend.routes });
const browser = await launchBrowser();
try {
  const context = await browser.newContext();
  const url = `${server.origin}/test/browser/pages/tabs.html?db=bench-cross-tab`;
  const [a, b] = [await context.newPage(), await context.newPage()];
  await Promise.all([a.goto(url), b.goto(url)]);
  await a.evaluate(() => window.start());
  await b.evaluate(() => window.start());

  /** One change in A; ms from its start (and from its commit) to B's 'sync' event. */
  const measure = async (change, i) => {
    const seen = b.evaluate(() => window.nextSync());
    const stamps = await a.evaluate(
      async ([kind, n]) => {
        const started = window.now();
        if (kind === 'attribute') await window.idsync.currentUser.setAttribute('n', n);
        else if (n % 2 === 0)
          await window.idsync.login({ userIdentities: { customerid: 'bench' } });
        else await window.idsync.logout();
        return { started, committed: window.now() };
      },
      [change, i],
    );
    const { at } = await seen;
    return { fromStart: at - stamps.started, fromCommit: at - stamps.committed };
  };

  const rows = [];
  for (const change of ['attribute', 'login/logout']) {
    const samples = [];
    for (let i = 0; i < WARM_UP + RUNS; i += 1) {
      const sample = await measure(change, i);
      if (i >= WARM_UP) samples.push(sample);
    }
    for (const key of ['fromStart', 'fromCommit']) {
      const sorted = samples.map((s) => s[key]).sort((x, y) => x - y);
      rows.push({
        change,
        measured:
          key === 'fromStart'
            ? 'call start → other tab'
            : 'call resolved in A → B (negative: B first)',
        'median ms': round(quantile(sorted, 0.5)),
        'p90 ms': round(quantile(sorted, 0.9)),
        'max ms': round(sorted.at(-1)),
        n: sorted.length,
      });
    }
  }
  console.log(
    `cross-tab sync, ${RUNS} runs each (after ${WARM_UP} warm-up), ${await browser.version()}`,
  );
  console.table(rows);
  await context.close();
} finally {
  await browser.close();
  await server.close();
}

function quantile(sorted, q) {
  const index = (sorted.length - 1) * q;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
