// `npm run bench:server`: the local IDSync server under load, store by store,
// in one run on one machine: identify + login at 50 concurrent clients over
// keep-alive HTTP against dist/server.mjs, at 10^3 and 10^5 profiles, for the
// memory store (the ceiling), sqlite and (when PostgreSQL is installed) postgres.
// Prints a table and writes bench/server-results.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { findPgBin, startCluster } from '../test/server/pg-cluster.mjs';
import {
  httpClient,
  loginBody,
  runCli,
  runWorkers,
  startServer,
} from '../test/server/load/helpers.mjs';
import { quantile } from './stats.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const CONCURRENCY = 50;
const SIZES = [1_000, 100_000];
/** BENCH_STORES=sqlite,memory: a quicker run of some stores only (the verdict needs sqlite) */
const ONLY = process.env.BENCH_STORES?.split(',');
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
/** what the sqlite store must show at 10^5 profiles */
const TARGET = { reqPerS: 1_500, p99Ms: 50, driftWithinPct: 20 };

const log = (line) => process.stderr.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Known profiles 0…n-1: email, customer id and device stamp, as logins would have left them. */
function snapshot(n) {
  const profiles = [];
  for (let i = 0; i < n; i++) {
    profiles.push({
      mpid: String(1_000_000_000 + i),
      identities: {
        customerid: `C${i}`,
        email: `u${i}@bench.test`,
        device_application_stamp: `d${i}`,
      },
      isKnown: true,
      createdAt: 1_700_000_000_000,
      lastSeen: 1_700_000_000_000,
      activity: [],
      aliasedFrom: [],
    });
  }
  return { profiles, aliases: [] };
}

/** The memory store cannot import: it is filled over HTTP with the same profiles. */
async function seedOverHttp(url, n) {
  const client = httpClient(url, { sockets: CONCURRENCY });
  let next = 0;
  await runWorkers(
    CONCURRENCY,
    () => next >= n,
    async () => {
      const i = next++;
      const identities = {
        customerid: `C${i}`,
        email: `u${i}@bench.test`,
        device_application_stamp: `d${i}`,
      };
      const res = await client.post('/login', loginBody(identities));
      if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
    },
  );
  client.close();
}

/**
 * The load: each client, over and over, is a visitor arriving (identify with
 * a new device: a new anonymous profile) who logs in as one of the seeded
 * users (login from that anonymous profile: the known profile is found by
 * email and customer id and updated).
 */
async function measure(url, n) {
  const client = httpClient(url, { sockets: CONCURRENCY });
  const latencies = [];
  const errors = {};
  let recording = false;
  let stop = false;
  const timed = async (path, body) => {
    const started = performance.now();
    const res = await client.post(path, body);
    if (recording) {
      latencies.push(performance.now() - started);
      if (res.status !== 200) errors[res.status] = (errors[res.status] ?? 0) + 1;
    }
    return res;
  };
  const run = runWorkers(
    CONCURRENCY,
    () => stop,
    async (worker, k) => {
      const i = Math.floor(Math.random() * n);
      const device = `visit-${worker}-${k}-${Math.random().toString(36).slice(2)}`;
      const anon = await timed('/identify', loginBody({ device_application_stamp: device }));
      const identities = {
        customerid: `C${i}`,
        email: `u${i}@bench.test`,
        device_application_stamp: device,
      };
      await timed('/login', loginBody(identities, anon.body?.mpid ?? null));
    },
  );
  await sleep(WARMUP_MS);
  recording = true;
  const started = performance.now();
  await sleep(MEASURE_MS);
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await run;
  client.close();
  return {
    requests: latencies.length,
    reqPerS: Math.round(latencies.length / seconds),
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    errors,
  };
}

const round = (x) => Math.round(x * 10) / 10;

async function benchStore(kind, n, dir, cluster) {
  let store;
  if (kind === 'memory') store = 'memory';
  if (kind === 'sqlite') store = `sqlite:${join(dir, `bench-${n}.db`)}`;
  if (kind === 'postgres') store = await freshDatabase(cluster, `bench_${n}`);
  const seedStarted = performance.now();
  if (kind !== 'memory') {
    const file = join(dir, `seed-${n}.json`);
    writeFileSync(file, JSON.stringify(snapshot(n)));
    const { code, output } = await runCli(['import', file, '--store', store]);
    if (code !== 0) throw new Error(`import into ${kind} failed: ${output}`);
  }
  const server = await startServer([
    '--store',
    store,
    '--api-key',
    'k',
    '--strategy',
    'conversion',
  ]);
  try {
    if (kind === 'memory') await seedOverHttp(server.url, n);
    const seedS = round((performance.now() - seedStarted) / 1000);
    log(`${kind} at ${n} profiles: seeded in ${seedS} s, measuring…`);
    return { store: kind, profiles: n, seedS, ...(await measure(server.url, n)) };
  } finally {
    await server.kill();
  }
}

async function freshDatabase(cluster, name) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return cluster.urlOf(name);
}

function verdict(rows) {
  const at = (n) => rows.find((r) => r.store === 'sqlite' && r.profiles === n);
  const small = at(SIZES[0]);
  const large = at(SIZES[1]);
  const driftPct = round(((large.reqPerS - small.reqPerS) / small.reqPerS) * 100);
  return {
    target: TARGET,
    sqliteAt1e5: { reqPerS: large.reqPerS, p99Ms: large.p99Ms, driftPct },
    met: {
      reqPerS: large.reqPerS >= TARGET.reqPerS,
      p99: large.p99Ms <= TARGET.p99Ms,
      drift: Math.abs(driftPct) <= TARGET.driftWithinPct,
    },
  };
}

function table(rows) {
  const lines = [
    '| store | profiles | req/s | p50 ms | p99 ms | non-200 | seed s |',
    '| ----- | -------: | ----: | -----: | -----: | ------- | -----: |',
  ];
  for (const r of rows) {
    const errors =
      Object.entries(r.errors)
        .map(([s, c]) => `${c}×${s}`)
        .join(' ') || '0';
    lines.push(
      `| ${r.store} | ${r.profiles.toLocaleString('en')} | ${r.reqPerS} | ${r.p50Ms} | ${r.p99Ms} | ${errors} | ${r.seedS} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'idsync-bench-server-'));
  const stores = ['memory', 'sqlite', ...(findPgBin() ? ['postgres'] : [])].filter(
    (store) => !ONLY || ONLY.includes(store),
  );
  if (!findPgBin()) log('PostgreSQL is not installed: the postgres rows are left out');
  const cluster = stores.includes('postgres') ? await startCluster() : null;
  const loadBefore = loadavg();
  const rows = [];
  try {
    for (const kind of stores)
      for (const n of SIZES) rows.push(await benchStore(kind, n, dir, cluster));
  } finally {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, loadBefore, loadAfter: loadavg() },
    method: { concurrency: CONCURRENCY, warmupMs: WARMUP_MS, measureMs: MEASURE_MS },
    rows,
    verdict: verdict(rows),
  };
  // Written as prettier would, so that `npm run lint` passes on the committed file.
  const json = await prettier.format(JSON.stringify(result), { parser: 'json' });
  await writeFile(join(ROOT, 'bench/server-results.json'), json);
  console.log(table(rows));
  const { sqliteAt1e5: s, met } = result.verdict;
  console.log(
    `\nsqlite at 10^5: ${s.reqPerS} req/s (target ≥ ${TARGET.reqPerS}: ${met.reqPerS ? 'met' : 'missed'}), ` +
      `p99 ${s.p99Ms} ms (≤ ${TARGET.p99Ms}: ${met.p99 ? 'met' : 'missed'}), ` +
      `${s.driftPct}% against 10^3 (within ±${TARGET.driftWithinPct}%: ${met.drift ? 'met' : 'missed'})`,
  );
  console.log(`load average before/after: ${loadBefore.map(round)} / ${loadavg().map(round)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
