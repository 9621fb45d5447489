/**
 * @jest-environment node
 *
 * The sqlite store's WAL is copied into the database by a worker thread, not
 * inside commits, and stays bounded under a steady stream of writes.
 */
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteDriverPath } from '../../src/server/stores/drivers';
import { BackgroundCheckpoints } from '../../src/server/stores/sqlite-checkpoints';
import { SqliteProfileStore } from '../../src/server/stores/sqlite-profile-store';
import type { IdentityType, Profile } from '../../src/types';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idsync-checkpoints-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const UNIQUE = new Set<IdentityType>(['customerid', 'email']);
const PAGE = 4096;

const profile = (i: number): Profile => ({
  mpid: String(1_000_000 + i),
  identities: { email: `u${i}@x.test`, customerid: `C${i}` },
  isKnown: true,
  createdAt: 1,
  lastSeen: 1,
  activity: [],
  aliasedFrom: [],
});

/** Bytes 16-23 of a WAL file's header: the salts SQLite draws anew each time the WAL starts over. */
async function walSalts(wal: string): Promise<string> {
  const handle = await open(wal, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(8), 0, 8, 16);
    return buffer.toString('hex');
  } finally {
    await handle.close();
  }
}

const size = async (file: string) => (await stat(file).catch(() => ({ size: 0 }))).size;

test('a stream of commits: the WAL is copied into the database and starts over again and again', async () => {
  const file = join(dir, 'idsync.db');
  const lines: string[] = [];
  const walPages = 50;
  const finalPasses = jest.spyOn(BackgroundCheckpoints.prototype, 'finalPass');
  const store = await SqliteProfileStore.open(file, {
    uniqueTypes: UNIQUE,
    walPages,
    log: (line) => lines.push(line),
  });
  const writes = 6_000;
  const salts = new Set<string>();
  try {
    for (let i = 0; i < writes; i++) {
      await store.transact(async () => ({ result: i, writes: { put: [profile(i)] } }));
      // A server's event loop turns between requests; here it must be let turn too.
      await new Promise((r) => setImmediate(r));
      if (i % 20 === 0) salts.add(await walSalts(`${file}-wal`));
    }
    // A WAL that never started over would hold every page of every commit. With a
    // commit always close behind the last, it started over after the worker's last pass.
    expect(salts.size).toBeGreaterThanOrEqual(5);
    expect(finalPasses).toHaveBeenCalled();
    // What it held is in the database file, copied while the store was open.
    expect(await size(file)).toBeGreaterThan(100 * PAGE);
    expect(lines).toEqual([]);
  } finally {
    await store.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    expect(db.prepare('SELECT COUNT(*) AS n FROM idsync_profiles').get()).toEqual({ n: writes });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  } finally {
    db.close();
  }
}, 60_000);

test("a checkpoint worker that cannot start says why (the store then goes back to SQLite's own checkpoints)", async () => {
  const file = join(dir, 'idsync.db');
  new Database(file).close();
  const failed = await new Promise<string>((reported) => {
    new BackgroundCheckpoints({
      file,
      driver: join(dir, 'no-such-driver.js'),
      ready: () => undefined,
      failed: reported,
    });
  });
  expect(failed).toMatch(/no-such-driver/);
});

test('the driver path the worker loads is the one the tests load', () => {
  expect(sqliteDriverPath()).toBe(require.resolve('better-sqlite3'));
});
