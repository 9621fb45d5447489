// Where an identity call's time goes, step by step, next to the floor (the
// same request by a bare fetch, then one put of its answer): `npm run build &&
// node bench/call-timeline.mjs`. The page (bench/pages/call-timeline.js) wraps
// the browser APIs the client uses and notes when each step starts and ends;
// this prints the median of each step over 100 calls of each kind and writes
// bench/call-timeline.json. It explains the call-overhead row of `npm run bench`.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../test/browser/harness.mjs';
import { launchBenchBrowser } from './browser.mjs';
import { startIdsyncServer } from './idsync-server.mjs';
import { median } from './stats.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CALLS = 100;
/** Cross-origin isolated pages get 5 µs timers instead of 100 µs ones. */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : '');

/** Median of each step over the calls (steps a call did not have are left out). */
function medians(samples) {
  const names = Object.keys(samples[0]);
  return Object.fromEntries(
    names.map((name) => {
      const values = samples.map((s) => s[name]).filter(Number.isFinite);
      return [name, values.length === 0 ? undefined : median(values)];
    }),
  );
}

async function main() {
  const web = await serveStatic({ root: ROOT, headersFor: () => ISOLATION_HEADERS });
  const server = await startIdsyncServer('conversion');
  const browser = await launchBenchBrowser();
  const load = loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
  try {
    const page = await browser.context.newPage();
    await page.goto(`${web.origin}/bench/pages/call-timeline.html`);
    const raw = await page.evaluate((args) => window.timeline.run(args), {
      baseUrl: `http://${server.host}/v1`,
      apiKey: 'bench-key',
      calls: CALLS,
      run: Date.now().toString(36),
    });
    const result = {
      date: new Date().toISOString(),
      command: 'npm run build && node bench/call-timeline.mjs',
      loadAverageAtStart: load,
    };
    const lines = [
      `**Where an identity call's time goes**: median of ${CALLS} calls of each kind (Chromium, HttpBackend against the local IDSync server); the floor is the same request by a bare fetch, then one put of its answer. Load average at start: ${load}.`,
      '',
      '| step | identify | floor | login | floor |',
      '| --- | --- | --- | --- | --- |',
    ];
    const stepsOf = {};
    for (const kind of ['identify', 'login']) {
      stepsOf[kind] = { idsync: medians(raw[kind].idsync), floor: medians(raw[kind].floor) };
    }
    result.steps = stepsOf;
    for (const step of Object.keys(stepsOf.identify.idsync)) {
      lines.push(
        `| ${step} | ${ms(stepsOf.identify.idsync[step])} | ${ms(stepsOf.identify.floor[step])} | ${ms(stepsOf.login.idsync[step])} | ${ms(stepsOf.login.floor[step])} |`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    await writeFile(
      resolve(ROOT, 'bench/call-timeline.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stderr.write('wrote bench/call-timeline.json\n');
  } finally {
    await browser.close();
    await server.stop();
    await web.close?.();
  }
}

await main();
