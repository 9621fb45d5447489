// The identity cookie's start-up cost, for `npm run bench` (bench/run.mjs)
// and alone (`npm run build && node bench/cookie-startup.mjs`): warm start-up
// (a stored user) with `cookie: {}` against the same page without it,
// interleaved, on a subdomain (a.idsync.test, mapped to 127.0.0.1 by the
// bench browser), so that the domain probe runs as on a real site. Target:
// within 1.1× of start-up without the cookie.
import { summary } from './stats.mjs';

export const COOKIE_STARTUP_TARGET = 1.1;
const HOST = 'a.idsync.test';

async function load(page, url) {
  await page.goto(url);
  return page.evaluate(() => window.__done);
}

/** `origin`: the bench's static server (http://127.0.0.1:PORT); `runs` loads per variant. */
export async function measureCookieStartup(context, origin, runs, run) {
  const page = await context.newPage();
  const base = `http://${HOST}:${new URL(origin).port}/bench/pages/startup-cookie.html`;
  const url = (on) => `${base}?db=cookie-startup-${run}-${on ? 'on' : 'off'}&cookie=${on ? 1 : 0}`;
  // First visits: each database gets its device and user (and the cookie is written).
  const seeded = { on: await load(page, url(true)), off: await load(page, url(false)) };
  if (!seeded.on.cookie.includes('idsync=idsync.1.')) {
    throw new Error(`the cookie was not written on ${HOST}: "${seeded.on.cookie}"`);
  }
  const samples = { off: [], on: [] };
  for (let i = 0; i < runs; i++) {
    for (const on of i % 2 === 0 ? [false, true] : [true, false]) {
      const result = await load(page, url(on));
      if (result.mpid !== seeded[on ? 'on' : 'off'].mpid) throw new Error('start-up lost the user');
      samples[on ? 'on' : 'off'].push(result.ms);
    }
  }
  await page.close();
  const off = summary(samples.off);
  const on = summary(samples.on);
  const ratio = on.median / off.median;
  return {
    host: HOST,
    off,
    on,
    ratio,
    target: COOKIE_STARTUP_TARGET,
    met: ratio <= COOKIE_STARTUP_TARGET,
  };
}

/** The report's rows (bench/report.mjs). */
export function cookieStartupSection(c) {
  const ms = (v) => `${v.toFixed(2)} ms`;
  const row = (name, s) => `| ${name} | ${ms(s.median)} | ${ms(s.p10)} | ${ms(s.p90)} |`;
  return `**Start-up with the identity cookie**: warm start-up on ${c.host}, median of ${c.on.n} page loads each, interleaved

| | median | p10 | p90 |
| --- | --- | --- | --- |
${row('without `cookie`', c.off)}
${row("with `cookie: {}` (domain 'auto')", c.on)}

With the cookie: ${c.ratio.toFixed(3)}× start-up without it (target ≤ ${c.target}×: ${c.met ? 'met' : 'missed'}).
`;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { serveStatic } = await import('../test/browser/harness.mjs');
  const { launchBenchBrowser } = await import('./browser.mjs');
  const web = await serveStatic({});
  const browser = await launchBenchBrowser();
  try {
    const result = await measureCookieStartup(
      browser.context,
      web.origin,
      40,
      Date.now().toString(36),
    );
    process.stdout.write(cookieStartupSection(result));
  } finally {
    await browser.close();
    await web.close();
  }
}
