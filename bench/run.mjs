// `npm run bench`: size, start-up, identity call cost (side by side with the
// mParticle Web SDK), resolver scale and memory, in one run on one machine.
// Prints markdown tables and writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { closeEngine, launchEngine, selectedEngines } from '../test/browser/driver/index.mjs';
import { serveStatic } from '../test/browser/harness.mjs';
import { launchBenchBrowser } from './browser.mjs';
import { startIdsyncServer } from './idsync-server.mjs';
import { renderEngineReport, renderReport } from './report.mjs';
import { measureSizes } from './size.mjs';
import { measureCookieStartup } from './cookie-startup.mjs';
import { summary } from './stats.mjs';
import { measureStartupByStoredUsers, storedUsersTable } from './stored-users.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const STARTUP_RUNS = 40;
/** per engine (--engine): fewer loads, as WebKit's driver needs several round trips a load */
const ENGINE_STARTUP_RUNS = 20;
const ENGINE_CALLS_PER_KIND = 50;
const CALLS_PER_KIND = 100;
const SCALE_SIZES = [1_000, 10_000, 100_000];
const SCALE_CALLS = 50;
/** heap after each total; the third point tells one-off warm-up (JIT, caches) from steady growth */
const MEMORY_CALLS = [10, 1000, 3000];
/** Cross-origin isolated pages get 5 µs timers instead of 100 µs ones. */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};
/** one name per run, so databases of an earlier run are never reused */
const RUN = Date.now().toString(36);

const log = (line) => process.stderr.write(`${line}\n`);

/** Network traffic the pages make, seen passively (nothing is intercepted). */
function watchTraffic(context, identityHost) {
  const traffic = { identity: 0, offLoopback: [] };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    const loopback = url.hostname === '127.0.0.1' || url.hostname.endsWith('.idsync.test');
    if (!loopback) traffic.offLoopback.push(request.url());
    else if (url.host === identityHost && request.method() === 'POST') traffic.identity++;
  });
  return traffic;
}

/** A Playwright page or a driver tab (test/browser/driver): both have goto and evaluate. */
async function loadAndWait(page, url) {
  await page.goto(url);
  return page.evaluate(() => window.__done);
}

/** Warm and first-visit start-up of the client, and the raw IndexedDB floor, interleaved. */
async function measureStartup(context, origin, runs = STARTUP_RUNS) {
  const page = await (context.newPage ? context.newPage() : context.newTab());
  const warmDb = `startup-${RUN}-warm`;
  const floorDb = `startup-${RUN}-floor`;
  const stored = await loadAndWait(page, `${origin}/bench/pages/startup.html?db=${warmDb}`);
  await loadAndWait(page, `${origin}/bench/pages/floor.html?db=${floorDb}&seed`);
  const samples = { warm: [], cold: [], floor: [], floorAfterBundle: [] };
  const bundle = { warm: [], cold: [] };
  const loads = {
    warm: async () => {
      const result = await loadAndWait(page, `${origin}/bench/pages/startup.html?db=${warmDb}`);
      if (result.mpid !== stored.mpid) throw new Error('warm start-up lost the stored user');
      bundle.warm.push(result.bundleMs);
      return result.ms;
    },
    cold: async (i) => {
      const url = `${origin}/bench/pages/startup.html?db=startup-${RUN}-cold-${i}`;
      const result = await loadAndWait(page, url);
      bundle.cold.push(result.bundleMs);
      return result.ms;
    },
    floor: async () =>
      (await loadAndWait(page, `${origin}/bench/pages/floor.html?db=${floorDb}`)).ms,
    floorAfterBundle: async () =>
      (await loadAndWait(page, `${origin}/bench/pages/floor.html?db=${floorDb}&bundle`)).ms,
  };
  const names = Object.keys(loads);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      samples[name].push(await loads[name](i));
    }
  }
  await page.close();
  const result = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)]));
  // Of which: fetching, parsing and running dist/idsync.iife.js; the rest is createIdentity.
  for (const name of ['warm', 'cold']) {
    result[name].bundle = summary(bundle[name]);
    result[name].createIdentity = summary(samples[name].map((total, i) => total - bundle[name][i]));
  }
  return result;
}

async function openCallsPage(context, origin) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${origin}/bench/pages/calls.html`);
  return { page, errors };
}

/**
 * `npm run bench -- --engine E`: the start-up and call-cost tables on one
 * engine, each against that engine's own floor (raw IndexedDB; raw fetch),
 * through the browser tests' driver layer. Merged into bench/results-engines.json.
 */
async function benchEngine(name, web, server) {
  const browser = await launchEngine(name, { direct: true });
  try {
    const context = await browser.newContext();
    log(`${name} (${browser.version}): start-up...`);
    const startup = await measureStartup(context, web.origin, ENGINE_STARTUP_RUNS);
    log(`${name}: identity calls...`);
    const tab = await context.newTab();
    await tab.goto(`${web.origin}/bench/pages/calls.html`);
    const run = `${RUN}-${name}`;
    await tab.evaluate((args) => window.bench.setupHttp(args), {
      identityHost: server.host,
      sinkHost: new URL(web.origin).host,
      run,
    });
    const calls = {
      crossOriginIsolated: await tab.evaluate(() => window.crossOriginIsolated),
      http: {},
      local: {},
    };
    for (const kind of ['identify', 'login']) {
      const samples = await tab.evaluate(
        ([k, n]) => window.bench.interleaved(['idsync', 'mparticle', 'raw', 'rawIdb'], k, n),
        [kind, ENGINE_CALLS_PER_KIND],
      );
      calls.http[kind] = Object.fromEntries(
        Object.entries(samples).map(([contender, values]) => [contender, summary(values)]),
      );
    }
    // Uncaught errors only, as for Chromium. Firefox reports its refusal of the
    // mParticle SDK's probe cookie ("mptest" with a domain on an IP address) as
    // a script error too: the refusal is the browser's, not a fault of the page.
    const errors = (await tab.messages()).filter(
      (m) => m.type === 'pageerror' && !/Cookie “mptest” has been rejected/.test(m.text),
    );
    if (errors.length > 0) {
      throw new Error(`${name}: calls page errors: ${errors.map((e) => e.text).join('; ')}`);
    }
    await context.close();
    return { version: browser.version, startup, calls };
  } finally {
    await closeEngine(name);
  }
}

async function mainEngines(engines) {
  const started = Date.now();
  const web = await serveStatic({
    root: ROOT,
    headersFor: () => ISOLATION_HEADERS,
    routes: benchRoutes({ requests: 0 }),
  });
  const server = await startIdsyncServer('conversion');
  const file = resolve(ROOT, 'bench/results-engines.json');
  const results = JSON.parse(await readFile(file, 'utf8').catch(() => '{}'));
  try {
    for (const name of engines) {
      const loadAverageAtStart = loadavg().map((v) => Number(v.toFixed(2)));
      const engineStarted = Date.now();
      results[name] = {
        date: new Date().toISOString(),
        command: `npm run bench -- --engine ${name}`,
        ...(await benchEngine(name, web, server)),
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          node: process.version,
          loadAverageAtStart,
          loadAverageAtEnd: loadavg().map((v) => Number(v.toFixed(2))),
        },
        durationSeconds: Math.round((Date.now() - engineStarted) / 1000),
      };
    }
    const options = { ...(await prettier.resolveConfig(file)), parser: 'json' };
    await writeFile(file, await prettier.format(JSON.stringify(results), options));
    process.stdout.write(renderEngineReport(results));
    log(`wrote bench/results-engines.json (${Math.round((Date.now() - started) / 1000)} s)`);
  } finally {
    await server.stop();
    await web.close();
  }
}

/** idsync-web (HttpBackend) vs mParticle vs raw fetch, interleaved; then the in-page resolver. */
async function measureCalls(context, origin, server, traffic) {
  const { page, errors } = await openCallsPage(context, origin);
  const sinkHost = new URL(origin).host;
  await page.evaluate((args) => window.bench.setupHttp(args), {
    identityHost: server.host,
    sinkHost,
    run: `${RUN}-http`,
  });
  const result = {
    crossOriginIsolated: await page.evaluate(() => window.crossOriginIsolated),
    http: {},
    local: {},
    identityRequests: {},
  };
  for (const kind of ['identify', 'login']) {
    const before = traffic.identity;
    const samples = await page.evaluate(
      ([k, n]) => window.bench.interleaved(['idsync', 'mparticle', 'raw', 'rawIdb'], k, n),
      [kind, CALLS_PER_KIND],
    );
    // Every contender must really have gone over HTTP, one request per call.
    result.identityRequests[kind] = traffic.identity - before;
    result.http[kind] = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => [name, summary(values)]),
    );
  }
  await page.evaluate((run) => window.bench.setupLocal({ run }), `${RUN}-local`);
  for (const kind of ['identify', 'login']) {
    const samples = await page.evaluate(
      ([k, n]) => window.bench.interleaved(['local'], k, n),
      [kind, CALLS_PER_KIND],
    );
    result.local[kind] = summary(samples.local);
  }
  if (errors.length > 0) throw new Error(`calls page errors: ${errors.join('; ')}`);
  await page.close();
  return result;
}

async function usedHeap(page, cdp) {
  await page.evaluate(() => window.bench.gc());
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
}

/** JS heap after 10 and after 1,000 identity calls, per contender, each in a page of its own. */
async function measureMemory(context, origin, server) {
  const sinkHost = new URL(origin).host;
  const contenders = {
    'idsync-web, in-page resolver': { caller: 'local', setup: 'setupLocal' },
    'idsync-web, HttpBackend': { caller: 'idsync', setup: 'setupHttp' },
    'mParticle Web SDK': { caller: 'mparticle', setup: 'setupHttp' },
  };
  const result = {};
  for (const [label, { caller, setup }] of Object.entries(contenders)) {
    const { page, errors } = await openCallsPage(context, origin);
    const cdp = await context.newCDPSession(page);
    const run = `${RUN}-memory-${caller}`;
    await page.evaluate(
      ([name, args]) => window.bench[name](args),
      [setup, { identityHost: server.host, sinkHost, run }],
    );
    const heap = {};
    let done = 0;
    for (const total of MEMORY_CALLS) {
      await page.evaluate(([name, n]) => window.bench.churn(name, n), [caller, total - done]);
      done = total;
      heap[total] = await usedHeap(page, cdp);
    }
    if (errors.length > 0) throw new Error(`memory page errors: ${errors.join('; ')}`);
    const [few, many, most] = MEMORY_CALLS;
    result[label] = {
      ...heap,
      growth: heap[many] - heap[few],
      bytesPerCallAfterWarmup: (heap[most] - heap[many]) / (most - many),
    };
    await cdp.detach();
    await page.close();
  }
  return result;
}

async function measureScale(context, origin) {
  const page = await context.newPage();
  await page.goto(`${origin}/bench/pages/scale.html`);
  const raw = await page.evaluate((args) => window.bench.run(args), {
    sizes: SCALE_SIZES,
    perKind: SCALE_CALLS,
    run: RUN,
  });
  await page.close();
  const result = {};
  for (const [n, { samples, ...rest }] of Object.entries(raw)) {
    result[n] = {
      ...rest,
      calls: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summary(v)])),
    };
    log(`  resolver scale ${n}: seeded in ${(rest.seedMs / 1000).toFixed(1)} s`);
  }
  return result;
}

function machine(userAgent) {
  let chromium = userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? 'unknown';
  try {
    chromium = execFileSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // the user agent's version will do
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chromium,
    loadAverageAtStart: loadavg().map((v) => Number(v.toFixed(2))),
  };
}

/** The floor page with the bundle, and the mParticle SDK's event/config traffic: accepted and counted, never forwarded. */
function benchRoutes(sink) {
  return async (req, res, url) => {
    if (url.pathname === '/bench/pages/floor.html' && url.searchParams.has('bundle')) {
      // The floor after the same bundle, loaded (a real script tag, found by the
      // preload scanner as on the start-up page) but never called.
      const html = await readFile(resolve(ROOT, 'bench/pages/floor.html'), 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...ISOLATION_HEADERS });
      res.end(html.replace(/<!-- bundle:.*-->/, '<script src="/dist/idsync.iife.js"></script>'));
      return true;
    }
    if (!url.pathname.startsWith('/mp-sink/')) return false;
    sink.requests++;
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{}');
    return true;
  };
}

/** --engine NAME (repeatable, or a comma list): the per-engine tables instead of the full run. */
function engineArgs(argv) {
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    if (flag !== '--engine') throw new Error(`unknown option ${argv[i]} (use --engine NAME)`);
    const value = inline ?? argv[++i];
    if (!value) throw new Error('--engine needs a name: chromium, firefox or webkit');
    names.push(...selectedEngines(value));
  }
  return [...new Set(names)];
}

async function main() {
  const engines = engineArgs(process.argv.slice(2));
  if (engines.length > 0) return mainEngines(engines);
  const started = Date.now();
  log('bundle sizes...');
  const sizes = await measureSizes();

  const sink = { requests: 0 };
  const web = await serveStatic({
    root: ROOT,
    headersFor: () => ISOLATION_HEADERS,
    routes: benchRoutes(sink),
  });
  const server = await startIdsyncServer('conversion');
  const browser = await launchBenchBrowser();
  try {
    const traffic = watchTraffic(browser.context, server.host);
    const probe = await browser.context.newPage();
    const results = {
      date: new Date().toISOString(),
      command: 'npm run bench',
      machine: machine(await probe.evaluate(() => navigator.userAgent)),
    };
    await probe.close();
    results.sizes = sizes;
    log('start-up...');
    results.startup = await measureStartup(browser.context, web.origin);
    // Its own row: warm start-up with 1 and with 5,000 stored users (bench/stored-users.mjs).
    log('start-up by stored users...');
    results.startupByStoredUsers = await measureStartupByStoredUsers(browser.context, web.origin);
    // The identity cookie's row: its own pages and database names.
    log('start-up with the identity cookie...');
    results.cookieStartup = await measureCookieStartup(
      browser.context,
      web.origin,
      STARTUP_RUNS,
      RUN,
    );
    log('identity calls...');
    results.calls = await measureCalls(browser.context, web.origin, server, traffic);
    log('resolver scale...');
    results.scale = await measureScale(browser.context, web.origin);
    log('memory...');
    results.memory = await measureMemory(browser.context, web.origin, server);
    results.traffic = {
      mparticleSinkRequests: sink.requests,
      offLoopbackRequests: traffic.offLoopback.length,
      offLoopbackSample: traffic.offLoopback.slice(0, 5),
    };
    results.machine.loadAverageAtEnd = loadavg().map((v) => Number(v.toFixed(2)));
    results.durationSeconds = Math.round((Date.now() - started) / 1000);
    // Through prettier: short arrays and objects stay on one line, so the file reads well.
    const file = resolve(ROOT, 'bench/results.json');
    const options = { ...(await prettier.resolveConfig(file)), parser: 'json' };
    await writeFile(file, await prettier.format(JSON.stringify(results), options));
    process.stdout.write(renderReport(results));
    process.stdout.write(`\n${storedUsersTable(results.startupByStoredUsers)}`);
    log('wrote bench/results.json');
  } finally {
    await browser.close();
    await server.stop();
    await web.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
