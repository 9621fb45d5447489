// Warm start-up against how many users are stored: 1 and 5,000 (a database
// kept by a larger maxUsers, or from before the limit). Start-up reads the
// current user and the most recent past users, so the two should cost alike
// (target: within 1.1×). Part of `npm run bench` (bench/run.mjs); alone:
// `npm run build && node bench/stored-users.mjs`.
import { serveStatic } from '../test/browser/harness.mjs';
import { launchBenchBrowser } from './browser.mjs';
import { median, summary } from './stats.mjs';

export const STORED_USERS = [1, 5_000];
const RUNS = 40;
const RUN = Date.now().toString(36);

async function loadAndWait(page, url) {
  await page.goto(url);
  return page.evaluate(() => window.__done);
}

/** Seeds one database per size, then loads the warm start-up page on each, interleaved. */
export async function measureStartupByStoredUsers(context, origin) {
  const page = await context.newPage();
  const dbs = {};
  for (const n of STORED_USERS) {
    dbs[n] = `stored-users-${RUN}-${n}`;
    const seeded = await loadAndWait(
      page,
      `${origin}/bench/pages/stored-users.html?db=${dbs[n]}&n=${n}`,
    );
    if (seeded.count !== n) throw new Error(`seeded ${seeded.count} users, wanted ${n}`);
    dbs[n] = { name: dbs[n], mpid: seeded.mpid };
  }
  const samples = Object.fromEntries(
    STORED_USERS.map((n) => [n, { total: [], createIdentity: [] }]),
  );
  // Two loads of each first, not counted: the first open after seeding compacts.
  for (let i = -2; i < RUNS; i++) {
    for (let k = 0; k < STORED_USERS.length; k++) {
      const n = STORED_USERS[(i + 2 + k) % STORED_USERS.length];
      const result = await loadAndWait(
        page,
        `${origin}/bench/pages/startup.html?db=${dbs[n].name}`,
      );
      if (result.mpid !== dbs[n].mpid)
        throw new Error(`warm start-up with ${n} users lost the current user`);
      if (i < 0) continue;
      samples[n].total.push(result.ms);
      samples[n].createIdentity.push(result.ms - result.bundleMs);
    }
  }
  await page.close();
  const out = {};
  for (const n of STORED_USERS) {
    out[n] = {
      total: summary(samples[n].total),
      createIdentity: summary(samples[n].createIdentity),
    };
  }
  const [few, many] = STORED_USERS;
  out.ratio = {
    total: median(samples[many].total) / median(samples[few].total),
    createIdentity: median(samples[many].createIdentity) / median(samples[few].createIdentity),
  };
  return out;
}

/** The bench's markdown row for it. */
export function storedUsersTable(result) {
  const ms = (v) => `${v.toFixed(2)} ms`;
  const rows = STORED_USERS.map(
    (n) =>
      `| warm, ${n.toLocaleString('en-US')} stored user${n === 1 ? '' : 's'} | ${ms(result[n].total.median)} | ${ms(result[n].total.p10)} | ${ms(result[n].total.p90)} | ${ms(result[n].createIdentity.median)} |`,
  );
  const [few, many] = STORED_USERS;
  return [
    `**Start-up by stored users**: median of ${result[few].total.n} warm page loads each, interleaved (maxUsers 20: the current user and 20 past users are read)`,
    '',
    '| | median | p10 | p90 | createIdentity alone |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `${many.toLocaleString('en-US')} ÷ ${few}: ${result.ratio.total.toFixed(2)}× (createIdentity alone ${result.ratio.createIdentity.toFixed(2)}×); target ≤ 1.1×`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const web = await serveStatic({
    headersFor: () => ({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    }),
  });
  const browser = await launchBenchBrowser();
  try {
    const result = await measureStartupByStoredUsers(browser.context, web.origin);
    process.stdout.write(storedUsersTable(result));
  } finally {
    await browser.close();
    await web.close();
  }
}
