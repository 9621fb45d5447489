// The postgres store: several processes on one database, a hard kill, a
// database restart. Starts its own throwaway cluster (test/server/pg-cluster.mjs).
// Run by `npm run test:server` (after a build).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster } from '../pg-cluster.mjs';
import { crashDuringLoad } from './crash.mjs';
import {
  allProfiles,
  httpClient,
  loginBody,
  postgresAvailable,
  runCli,
  runWorkers,
  startServer,
} from './helpers.mjs';

const require = createRequire(import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('postgres store', () => {
  let cluster;
  let available = true;
  let databases = 0;
  const running = [];

  before(async (t) => {
    available = postgresAvailable(t);
    if (available) cluster = await startCluster();
  });
  after(async () => {
    await Promise.all(running.splice(0).map((s) => s.kill('SIGKILL')));
    cluster?.stop();
  });

  /** A fresh database of the cluster for one test. */
  async function database(t) {
    if (!available) return t.skip('PostgreSQL is not installed');
    const { Client } = require('pg');
    const admin = new Client({ connectionString: cluster.url });
    await admin.connect();
    const name = `idsync_test_${++databases}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return cluster.urlOf(name);
  }

  async function serve(args) {
    const server = await startServer(args);
    running.push(server);
    return server;
  }

  test('four server processes racing logins with the same new login ids: one profile per id, none lost', async (t) => {
    const url = await database(t);
    if (!url) return;
    const args = ['--store', url, '--api-key', 'k', '--strategy', 'conversion'];
    const servers = await Promise.all([1, 2, 3, 4].map(() => serve(args)));
    const clients = servers.map((s) => httpClient(s.url, { sockets: 8 }));
    const IDS = 40;
    const seen = new Map(); // email → MPIDs answered for it
    const failures = [];
    await Promise.all(
      clients.flatMap((client, p) =>
        Array.from({ length: 8 }, async (_, worker) => {
          const order = [...Array(IDS).keys()].sort(() => Math.random() - 0.5);
          for (const i of order) {
            const email = `user${i}@race.test`;
            const identities = {
              email,
              customerid: `C${i}`,
              device_application_stamp: `d-${p}-${worker}`,
            };
            const res = await client.post('/login', loginBody(identities));
            if (res.status !== 200) failures.push(res.status);
            else (seen.get(email) ?? seen.set(email, new Set()).get(email)).add(res.body.mpid);
          }
        }),
      ),
    );
    assert.deepEqual(failures, []);
    for (const [email, mpids] of seen)
      assert.equal(mpids.size, 1, `${email} answered as ${[...mpids]}`);
    const profiles = await allProfiles(clients[0]);
    clients.forEach((c) => c.close());
    assert.equal(profiles.length, IDS);
    const byEmail = new Map(profiles.map((p) => [p.identities.email, p]));
    assert.equal(byEmail.size, IDS);
    for (const [email, mpids] of seen) {
      const profile = byEmail.get(email);
      assert.equal(profile?.mpid, [...mpids][0]);
      assert.equal(profile.identities.customerid, `C${email.slice(4, email.indexOf('@'))}`);
    }
  });

  test('kill -9 mid-load loses no answered write', async (t) => {
    const url = await database(t);
    if (!url) return;
    const { answered, kept } = await crashDuringLoad(url);
    console.log(
      `postgres: ${answered} answered logins before kill -9, ${kept} profiles after restart`,
    );
  });

  test('PostgreSQL restarted during a load: 503 while it is down, answers again without restarting the server', async (t) => {
    const url = await database(t);
    if (!url) return;
    const server = await serve(['--store', url, '--api-key', 'k']);
    const client = httpClient(server.url, { sockets: 10 });
    const answered = new Map();
    const statuses = { up: [], down: [], back: [] };
    let phase = 'up';
    const load = runWorkers(
      10,
      () => phase === 'done',
      async (worker, n) => {
        const email = `w${worker}-${n}@restart.test`;
        const during = phase;
        const res = await client.post('/login', loginBody({ email }));
        if (during === phase && during !== 'done') statuses[during].push(res.status);
        if (res.status === 200) answered.set(res.body.mpid, email);
        await sleep(5);
      },
    );
    await sleep(500);
    cluster.stopServer('fast');
    phase = 'down';
    await sleep(1_000);
    cluster.startServer();
    phase = 'back';
    const deadline = Date.now() + 10_000;
    while (statuses.back.filter((s) => s === 200).length < 20 && Date.now() < deadline)
      await sleep(20);
    phase = 'done';
    await load;
    const count = (list, status) => list.filter((s) => s === status).length;
    assert.ok(count(statuses.up, 200) > 0, 'nothing answered before the restart');
    assert.ok(statuses.down.length > 0, 'no call while the database was down');
    assert.deepEqual([...new Set(statuses.down)], [503], `while down: ${statuses.down}`);
    assert.ok(count(statuses.back, 200) >= 20, `after the restart: ${statuses.back}`);
    assert.deepEqual(
      [...new Set(statuses.back)].filter((s) => s !== 200 && s !== 503),
      [],
    );
    const kept = new Map((await allProfiles(client)).map((p) => [p.mpid, p]));
    client.close();
    for (const [mpid, email] of answered) assert.equal(kept.get(mpid)?.identities.email, email);
  });

  test('import FILE into PostgreSQL, read back through the server as it was written', async (t) => {
    const url = await database(t);
    if (!url) return;
    const dir = mkdtempSync(join(tmpdir(), 'idsync-import-'));
    try {
      const profiles = Array.from({ length: 1200 }, (_, i) => ({
        mpid: String(-1 - i),
        identities: { email: `u${i}@import.test`, ios_idfv: `v${i}` },
        isKnown: true,
        createdAt: 1_700_000_000_000 + i,
        lastSeen: 1_700_000_000_000 + i,
        activity: [1, 2],
        aliasedFrom: [],
      }));
      const file = join(dir, 'old.json');
      writeFileSync(file, JSON.stringify({ profiles, aliases: [] }));
      const imported = await runCli(['import', file, '--store', url]);
      assert.equal(imported.code, 0, imported.output);
      const again = await runCli(['import', file, '--store', url]);
      assert.equal(again.code, 1);
      assert.match(again.output, /is already in the store; nothing was imported/);
      const server = await serve(['--store', url, '--api-key', 'k']);
      const client = httpClient(server.url);
      const listed = await allProfiles(client);
      client.close();
      const sorted = (list) => [...list].sort((a, b) => (a.mpid < b.mpid ? -1 : 1));
      assert.deepEqual(listed, sorted(profiles));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
