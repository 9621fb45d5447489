// `npm run bench:server`: the local IDSync server under load, store by store,
// in one run on one machine: identify + login at 50 concurrent clients over
// keep-alive HTTP against dist/server.mjs, at 10^3 and 10^5 profiles, for the
// memory store (the ceiling), sqlite and (when PostgreSQL is installed) postgres.
// Prints a table and whether each target is met, writes bench/server-results.json
// and the table in README's server section (between its bench:server markers).
// The load generator is this process, on the same 2 cores as the server: the
// CPU each used is measured and printed, so a run says which of them was the limit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
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

/** Above this share of one core, a single-threaded load generator is the limit. */
const SATURATED_PCT = 90;

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
async function measure(url, n, serverPid) {
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
  const clientCpu = process.cpuUsage();
  const serverCpu = cpuSecondsOf(serverPid);
  await sleep(MEASURE_MS);
  recording = false;
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(clientCpu);
  const serverSeconds = cpuSecondsOf(serverPid) - serverCpu;
  stop = true;
  await run;
  client.close();
  return {
    requests: latencies.length,
    reqPerS: Math.round(latencies.length / seconds),
    p50Ms: round(quantile(latencies, 0.5)),
    p99Ms: round(quantile(latencies, 0.99)),
    errors,
    // shares of one core over the measured seconds: the server (its worker threads
    // included) and this process, the load generator
    serverCpuPct: Number.isNaN(serverSeconds) ? null : Math.round((serverSeconds / seconds) * 100),
    clientCpuPct: Math.round(((user + system) / 1e6 / seconds) * 100),
  };
}

/** CPU seconds a process has used (Linux /proc; NaN elsewhere). */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after the command name in parentheses: state is field 3, utime and stime 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const USER_HZ = 100; // Linux's clock ticks per second for /proc, on every mainstream build
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return NaN;
  }
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
    return { store: kind, profiles: n, seedS, ...(await measure(server.url, n, server.child.pid)) };
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
  const at = (store, n) => rows.find((r) => r.store === store && r.profiles === n);
  const small = at('sqlite', SIZES[0]);
  const large = at('sqlite', SIZES[1]);
  if (!small || !large) return null;
  const driftPct = round(((large.reqPerS - small.reqPerS) / small.reqPerS) * 100);
  const ceiling = at('memory', SIZES[1]);
  return {
    target: TARGET,
    sqliteAt1e5: { reqPerS: large.reqPerS, p99Ms: large.p99Ms, driftPct },
    met: {
      reqPerS: large.reqPerS >= TARGET.reqPerS,
      p99: large.p99Ms <= TARGET.p99Ms,
      drift: Math.abs(driftPct) <= TARGET.driftWithinPct,
    },
    ...(ceiling ? { memoryAt1e5: { reqPerS: ceiling.reqPerS } } : {}),
  };
}

const count = (n) => n.toLocaleString('en');
const pct = (n) => (n === null ? 'n/a' : `${n} %`);
const verdictWord = (met) => (met ? '**met**' : '**missed**');

/** What the run says about its targets, its load generator and its machine: markdown lines. */
function findings(result) {
  const { verdict: v, rows, machine } = result;
  const lines = [];
  if (v) {
    const s = v.sqliteAt1e5;
    lines.push(
      `sqlite at 10⁵ profiles: ${count(s.reqPerS)} req/s (target ≥ ${count(TARGET.reqPerS)}): ${verdictWord(v.met.reqPerS)}`,
      `sqlite at 10⁵ profiles: p99 ${s.p99Ms} ms (target ≤ ${TARGET.p99Ms} ms): ${verdictWord(v.met.p99)}`,
      `sqlite at 10⁵ against 10³: ${s.driftPct > 0 ? '+' : ''}${s.driftPct} % (target within ±${TARGET.driftWithinPct} %): ${verdictWord(v.met.drift)}`,
    );
    if (v.memoryAt1e5) {
      const share = Math.round((s.reqPerS / v.memoryAt1e5.reqPerS) * 100);
      lines.push(
        `the memory store at 10⁵, the ceiling: ${count(v.memoryAt1e5.reqPerS)} req/s; sqlite reaches ${share} % of it`,
      );
    }
  } else {
    lines.push('no verdict: the sqlite rows were not run');
  }
  const busiest = rows.reduce((a, b) => (b.clientCpuPct > a.clientCpuPct ? b : a));
  const saturated = rows.filter((r) => r.clientCpuPct >= SATURATED_PCT);
  lines.push(
    saturated.length === 0
      ? `load generator (one Node process, 50 keep-alive clients): at most ${busiest.clientCpuPct} % of a core (${busiest.store} at ${count(busiest.profiles)}), under the ${SATURATED_PCT} % at which it would be the limit`
      : `load generator saturated (≥ ${SATURATED_PCT} % of a core) for ${saturated.map((r) => `${r.store} at ${count(r.profiles)}`).join(', ')}: there the figures are its limit, not the server's`,
  );
  if (rows.some((r) => r.store === 'postgres')) {
    lines.push(
      "server CPU counts the IDSync server process (all its threads); for postgres, the database's own processes come on top",
    );
  }
  const [before] = machine.loadBefore;
  const [after] = machine.loadAfter;
  const busy = Math.max(before, after) > machine.cpus;
  lines.push(
    `machine: ${machine.cpus} cores, load average ${round(before)} before and ${round(after)} after` +
      (busy
        ? ': above its core count, so other processes took CPU from the server and the load generator (throughputs are lower bounds, latencies upper bounds)'
        : ''),
  );
  return lines;
}

function table(rows) {
  const lines = [
    '| store | profiles | req/s | p50 ms | p99 ms | non-200 | server CPU | load generator CPU | seed s |',
    '| ----- | -------: | ----: | -----: | -----: | ------- | ---------: | -----------------: | -----: |',
  ];
  for (const r of rows) {
    const errors =
      Object.entries(r.errors)
        .map(([s, c]) => `${c}×${s}`)
        .join(' ') || '0';
    lines.push(
      `| ${r.store} | ${count(r.profiles)} | ${count(r.reqPerS)} | ${r.p50Ms} | ${r.p99Ms} | ${errors} | ${pct(r.serverCpuPct)} | ${pct(r.clientCpuPct)} | ${r.seedS} |`,
    );
  }
  return lines.join('\n');
}

/** Markdown text wrapped at 100 columns, as the rest of README.md is; `indent` for a list item's lines. */
function wrap(text, indent = '', width = 100) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

const README_START = '<!-- bench:server:start -->';
const README_END = '<!-- bench:server:end -->';

/** Replaces the block between README's bench:server markers with this run, formatted as prettier would. */
async function updateReadme(result) {
  const file = join(ROOT, 'README.md');
  const readme = await readFile(file, 'utf8');
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) {
    log(`README.md has no ${README_START} … ${README_END} block: not updated`);
    return;
  }
  const { machine } = result;
  const block = [
    README_START,
    '',
    wrap(
      `The last run (${result.date.slice(0, 16).replace('T', ' ')} UTC, Node ${machine.node}, ` +
        `${machine.cpus} cores, load average ${round(machine.loadBefore[0])} before and ` +
        `${round(machine.loadAfter[0])} after):`,
    ),
    '',
    table(result.rows),
    '',
    ...findings(result).map((line) => wrap(`- ${line}`, '  ')),
    '',
    README_END,
  ].join('\n');
  const updated = readme.slice(0, start) + block + readme.slice(end + README_END.length);
  const options = (await prettier.resolveConfig(file)) ?? {};
  await writeFile(file, await prettier.format(updated, { ...options, filepath: file }));
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
  // Written as prettier would, so that `npm run lint` passes on the committed files.
  const json = await prettier.format(JSON.stringify(result), { parser: 'json' });
  await writeFile(join(ROOT, 'bench/server-results.json'), json);
  await updateReadme(result);
  console.log(table(rows));
  console.log('');
  for (const line of findings(result)) console.log(line.replaceAll('**', ''));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
