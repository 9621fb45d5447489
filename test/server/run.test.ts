/** @jest-environment node */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpBackend } from '../../src/backends/http/http-backend';
import { parseImportArgs, parseServerArgs } from '../../src/server/args';
import { runImport, runServer, type RunningServer } from '../../src/server/run';
import type { BackendRequest } from '../../src/types';

let dir: string;
const running: RunningServer[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idsync-server-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(argv: string[]) {
  const server = await runServer(parseServerArgs(['--port', '0', '--quiet', ...argv]), () => {});
  running.push(server);
  return server;
}

const req = (email: string): BackendRequest => ({
  knownIdentities: { email, device_application_stamp: 'dev-1' },
  previousMpid: null,
  environment: 'development',
  requestTimestampMs: 1,
});

test('sqlite:FILE keeps profiles and pending aliases across restarts', async () => {
  const store = `sqlite:${join(dir, 'idsync.db')}`;
  const first = await start(['--strategy', 'link', '--store', store, '--api-key', 'k']);
  const http = new HttpBackend({ baseUrl: first.url, apiKey: 'k' });
  const anonymous = await http.identify({ ...req('x'), knownIdentities: { ios_idfv: '1' } });
  const known = await http.login(req('a@x.test'));
  const now = Date.now();
  const alias = { sourceMpid: anonymous.mpid, destinationMpid: known.mpid };
  expect(await http.alias({ ...alias, startTime: now - 1000, endTime: now })).toEqual({
    httpCode: 202,
  });
  const profiles = await first.resolver.profiles();
  expect(profiles).toHaveLength(2);
  await first.close();
  running.splice(0);

  const second = await start(['--strategy', 'link', '--store', store, '--api-key', 'k']);
  expect(await second.resolver.profiles()).toEqual(profiles);
  const again = new HttpBackend({ baseUrl: second.url, apiKey: 'k' });
  expect((await again.login(req('a@x.test'))).mpid).toBe(known.mpid);
});

test('the database and its WAL files are created readable by their owner only', async () => {
  const file = join(dir, 'idsync.db');
  const server = await start(['--store', `sqlite:${file}`]);
  await new HttpBackend({ baseUrl: server.url, apiKey: 'k' }).login(req('a@x.test'));
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    expect(((await stat(name)).mode & 0o777).toString(8)).toBe('600');
  }
});

test('a file that is not a database stops the start with a message naming it, and is left untouched', async () => {
  const file = join(dir, 'profiles.db');
  await writeFile(
    file,
    'this is not a database, and it is long enough to hold a header: '.repeat(4),
  );
  const before = await readFile(file, 'utf8');
  await expect(start(['--store', `sqlite:${file}`])).rejects.toThrow(
    new RegExp(`Cannot open the SQLite database ${file}: .*not a database`),
  );
  expect(await readFile(file, 'utf8')).toBe(before);
  await expect(start(['--store', `sqlite:${dir}`])).rejects.toThrow(dir); // a directory
  await expect(start(['--store', `sqlite:${join(dir, 'no', 'such', 'dir.db')}`])).rejects.toThrow(
    /no[/\\]such[/\\]dir\.db/,
  );
});

test('an unreachable PostgreSQL stops the start with a message naming it, without the password', async () => {
  const url = 'postgres://idsync:secret@127.0.0.1:1/idsync';
  const error = await start(['--store', url]).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error?.message).toMatch(
    /Cannot open the PostgreSQL database postgres:\/\/idsync:\*\*\*@127\.0\.0\.1:1\/idsync/,
  );
  expect(error?.message).not.toContain('secret');
});

test('--store memory keeps nothing on disk', async () => {
  const server = await start(['--store', 'memory']);
  await new HttpBackend({ baseUrl: server.url, apiKey: 'k' }).login(req('a@x.test'));
  expect(await server.resolver.profiles()).toHaveLength(1);
});

test('import FILE adds a JSON data file to the store, which the server then serves', async () => {
  const file = join(dir, 'old.json');
  const store = `sqlite:${join(dir, 'idsync.db')}`;
  const profile = {
    mpid: '-42',
    identities: { email: 'old@x.test', customerid: 'C-1' },
    isKnown: true,
    createdAt: 1,
    lastSeen: 2,
    activity: [1],
    aliasedFrom: [],
  };
  const alias = {
    id: 'a-1',
    request: { sourceMpid: '7', destinationMpid: '-42', startTime: 1, endTime: 2 },
    acceptedAt: 3,
    dueAt: 4,
  };
  await writeFile(file, JSON.stringify({ profiles: [profile], aliases: [alias] }));
  expect(await runImport(parseImportArgs([file, '--store', store]))).toEqual({
    imported: 1,
    total: 1,
  });
  // The same file again: every MPID is already there, so nothing changes.
  await expect(runImport(parseImportArgs([file, '--store', store]))).rejects.toThrow(
    `${file}: MPID -42 is already in the store; nothing was imported`,
  );
  const server = await start(['--store', store]);
  expect(await server.resolver.profiles()).toEqual([profile]);
  const http = new HttpBackend({ baseUrl: server.url, apiKey: 'k' });
  expect((await http.login(req('old@x.test'))).mpid).toBe('-42');
});
