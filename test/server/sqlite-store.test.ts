/**
 * @jest-environment node
 *
 * The SQL store (over SQLite here; the Postgres tests run the same code over
 * PostgreSQL) behind the resolver's ProfileStore seam: the resolver must not
 * be able to tell it from the memory store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HttpBackend } from '../../src/backends/http/http-backend';
import { LocalResolver } from '../../src/backends/local/local-resolver';
import { MemoryProfileStore } from '../../src/backends/local/memory-profile-store';
import type { ProfileStore } from '../../src/backends/local/profile-store';
import { createIdsyncServer } from '../../src/server/server';
import { SqliteProfileStore } from '../../src/server/stores/sqlite-profile-store';
import type { IdentityType, Identities, Profile, Strategy } from '../../src/types';

/** A known profile with one email, as a login leaves it. */
const knownProfile = (mpid: string, email: string): Profile => ({
  mpid,
  identities: { email },
  isKnown: true,
  createdAt: 1,
  lastSeen: 1,
  activity: [],
  aliasedFrom: [],
});

let dir: string;
const closing: { close(): Promise<void> }[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idsync-sqlite-'));
});
afterEach(async () => {
  for (const c of closing.splice(0).reverse()) await c.close();
  await rm(dir, { recursive: true, force: true });
});

const UNIQUE = new Set<IdentityType>(['customerid', 'email']);

async function sqlite(name = 'idsync.db', uniqueTypes = UNIQUE) {
  const store = await SqliteProfileStore.open(join(dir, name), { uniqueTypes });
  closing.push(store);
  return store;
}

function resolverOver(store: ProfileStore, strategy: Strategy) {
  let clock = 1_000;
  let next = 100;
  return new LocalResolver({
    strategy,
    store,
    now: () => (clock += 1_000),
    generateMpid: () => String(next++),
    aliasDelayMs: 0,
  });
}

const call = (identities: Identities, previousMpid: string | null = null) => ({
  knownIdentities: identities,
  previousMpid,
  environment: 'development' as const,
  requestTimestampMs: 1,
});

/** A bit of everything: conversion, matching, conflicts, a stolen id, modify, logout, aliasing. */
async function scenario(resolver: LocalResolver): Promise<string[]> {
  const mpids: string[] = [];
  const run = async (p: Promise<{ mpid: string }>) => mpids.push((await p).mpid);
  await run(resolver.identify(call({ device_application_stamp: 'd1' })));
  await run(resolver.login(call({ email: 'a@x', device_application_stamp: 'd1' }, mpids[0]!)));
  await run(resolver.login(call({ customerid: 'C1', email: 'a@x' }, mpids[1]!)));
  await run(resolver.logout(call({ device_application_stamp: 'd1' }, mpids[2]!)));
  await run(resolver.identify(call({ device_application_stamp: 'd2', ios_idfv: 'v' })));
  await run(resolver.login(call({ email: 'b@x', device_application_stamp: 'd2' }, mpids[4]!)));
  await run(
    resolver.modify(mpids[5]!, {
      identityChanges: [{ identityType: 'email', oldValue: 'b@x', newValue: 'a@x' }],
      environment: 'development',
      requestTimestampMs: 1,
    }),
  );
  await run(resolver.login(call({ email: 'a@x', other: 'o' }, null)));
  await run(resolver.identify(call({ ios_idfv: 'v', device_application_stamp: 'd3' })));
  await resolver.recordActivity(mpids[0]!, 5_000);
  if (resolver.strategy === 'conversion' || resolver.strategy === 'link') {
    await resolver.alias({
      sourceMpid: mpids[0]!,
      destinationMpid: mpids[5]!,
      startTime: 0,
      endTime: Date.now(),
    });
    await resolver.processAliases();
  }
  return mpids;
}

test.each<Strategy>(['conversion', 'link', 'isolation', 'best-match'])(
  'under %s the resolver decides exactly as over the memory store',
  async (strategy) => {
    const memory = resolverOver(new MemoryProfileStore(), strategy);
    const uniqueTypes = strategy === 'best-match' ? new Set<IdentityType>() : UNIQUE;
    const store = await sqlite(`${strategy}.db`, uniqueTypes);
    const overSql = resolverOver(store, strategy);
    const expected = await scenario(memory);
    expect(await scenario(overSql)).toEqual(expected);
    expect(await overSql.profiles()).toEqual(await memory.profiles());
    expect(await store.pendingAliases()).toEqual([]);
  },
);

test('the unique index refuses a second profile for one login id, and the transaction leaves nothing', async () => {
  const store = await sqlite();
  await store.transact(async () => ({ result: 1, writes: { put: [knownProfile('1', 'a@x')] } }));
  const second = store.transact(async () => ({
    result: 2,
    writes: { put: [knownProfile('2', 'b@x'), knownProfile('3', 'a@x')] },
  }));
  await expect(second).rejects.toMatchObject({ code: 'storage', httpCode: 503 });
  expect((await store.all()).map((p) => p.mpid)).toEqual(['1']);
  // A unique value moving between profiles in one decision is fine: removals go first.
  await store.transact(async () => ({
    result: 3,
    writes: { put: [knownProfile('4', 'a@x'), { ...knownProfile('1', 'a@x'), identities: {} }] },
  }));
  const lookup = await store.transact(async (l) => ({
    result: await l.byIdentity('email', 'a@x'),
    writes: { put: [] },
  }));
  expect(lookup.map((p) => p.mpid)).toEqual(['4']);
});

test('a decision that throws writes nothing', async () => {
  const store = await sqlite();
  const resolver = resolverOver(store, 'conversion');
  await resolver.login(call({ email: 'a@x' }));
  const before = await store.all();
  await expect(
    store.transact(async (lookup) => {
      const [found] = await lookup.byIdentity('email', 'a@x');
      found!.lastSeen = 99;
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await store.all()).toEqual(before);
});

test('profiles page in MPID order, a cursor at a time', async () => {
  const store = await sqlite();
  const resolver = resolverOver(store, 'isolation');
  for (let i = 0; i < 25; i++) await resolver.identify(call({ ios_idfv: `v${i}` }));
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Profile[] = await store.page(after, 10);
    if (page.length === 0) break;
    seen.push(...page.map((p) => p.mpid));
    after = page[page.length - 1]!.mpid;
  }
  expect(seen).toEqual((await store.all()).map((p) => p.mpid));
  expect(seen).toHaveLength(25);
  expect([...seen].sort()).toEqual(seen);
});

test('GET /v1/_profiles pages with limit ≤ 1000 and next_cursor', async () => {
  const store = await sqlite();
  const resolver = resolverOver(store, 'isolation');
  for (let i = 0; i < 5; i++) await resolver.identify(call({ ios_idfv: `v${i}` }));
  const server = createIdsyncServer({ backend: resolver, profiles: store, apiKey: 'k' });
  closing.push(server);
  const { url } = await server.listen(0);
  const get = async (query: string) => {
    const res = await fetch(`${url}/_profiles${query}`, { headers: { 'x-mp-key': 'k' } });
    return {
      status: res.status,
      body: (await res.json()) as { profiles: Profile[]; next_cursor: string | null },
    };
  };
  const first = await get('?limit=3');
  expect(first.body.profiles).toHaveLength(3);
  const rest = await get(`?limit=3&cursor=${encodeURIComponent(first.body.next_cursor!)}`);
  expect(rest.body).toMatchObject({ next_cursor: null });
  expect([...first.body.profiles, ...rest.body.profiles]).toEqual(await store.all());
  expect((await get('?limit=1000')).body.profiles).toHaveLength(5);
  for (const bad of ['?limit=1001', '?limit=0', '?limit=-1', '?limit=2.5', '?limit=x']) {
    expect((await get(bad)).status).toBe(400);
  }
});

test('pending aliases keep their order and go when removed', async () => {
  const store = await sqlite();
  const alias = (id: string, acceptedAt: number) => ({
    id,
    request: { sourceMpid: '1', destinationMpid: '2', startTime: 0, endTime: 1 },
    acceptedAt,
    dueAt: acceptedAt + 10,
  });
  await store.addAlias(alias('b', 2));
  await store.addAlias(alias('a', 1));
  expect(await store.pendingAliases()).toEqual([alias('a', 1), alias('b', 2)]);
  await store.removeAlias('a');
  expect(await store.pendingAliases()).toEqual([alias('b', 2)]);
});

test('a database that fails under the server answers 503 with no file name or path in the body', async () => {
  const file = join(dir, 'idsync.db');
  const store = await sqlite();
  const resolver = resolverOver(store, 'conversion');
  const lines: string[] = [];
  const server = createIdsyncServer({
    backend: resolver,
    profiles: store,
    log: (l) => lines.push(l),
  });
  closing.push(server);
  const { url } = await server.listen(0);
  const http = new HttpBackend({ baseUrl: url, apiKey: 'k', retry: false });
  await http.login(call({ email: 'a@x' }));
  const other = new Database(file);
  other.exec('DROP TABLE idsync_identities');
  other.close();
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    body: JSON.stringify({ known_identities: { email: 'b@x' } }),
  });
  expect(res.status).toBe(503);
  const body = await res.text();
  expect(body).not.toContain(dir);
  expect(body).not.toContain('idsync.db');
  expect(JSON.parse(body).errors[0].code).toBe('storage');
  expect(lines.some((l) => l.startsWith('storage error:') && l.includes('idsync_identities'))).toBe(
    true,
  );
});

test('a database written by a newer schema is refused, named', async () => {
  const file = join(dir, 'idsync.db');
  await (await SqliteProfileStore.open(file, { uniqueTypes: UNIQUE })).close();
  const db = new Database(file);
  db.exec(`UPDATE idsync_meta SET value = '9' WHERE key = 'schema'`);
  db.close();
  await expect(SqliteProfileStore.open(file, { uniqueTypes: UNIQUE })).rejects.toThrow(
    `Cannot open the SQLite database ${file}: holds schema version 9`,
  );
});

test('an import is all or nothing: a login id already in the store refuses the whole file', async () => {
  const store = await sqlite();
  await resolverOver(store, 'conversion').login(call({ email: 'taken@x' }));
  const before = await store.all();
  const snapshot = {
    profiles: [knownProfile('-1', 'new@x'), knownProfile('-2', 'taken@x')],
    aliases: [],
  };
  await expect(store.importSnapshot(snapshot, 'old.json')).rejects.toThrow(
    /^old\.json: a unique identity or an alias id in it is already in the store; nothing was imported$/,
  );
  expect(await store.all()).toEqual(before);
});
