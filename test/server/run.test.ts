/** @jest-environment node */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpBackend } from '../../src/backends/http/http-backend';
import { LocalResolver } from '../../src/backends/local/local-resolver';
import { parseServerArgs } from '../../src/server/args';
import { FileProfileStore } from '../../src/server/file-profile-store';
import { runServer, type RunningServer } from '../../src/server/run';
import { createIdsyncServer } from '../../src/server/server';
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

test('--data keeps profiles and pending aliases in a JSON file across restarts', async () => {
  const file = join(dir, 'profiles.json');
  const first = await start(['--strategy', 'link', '--data', file, '--api-key', 'k']);
  const http = new HttpBackend({ baseUrl: first.url, apiKey: 'k' });
  const anonymous = await http.identify({ ...req('x'), knownIdentities: { ios_idfv: '1' } });
  const known = await http.login(req('a@x.test'));
  const now = Date.now();
  expect(
    await http.alias({
      sourceMpid: anonymous.mpid,
      destinationMpid: known.mpid,
      startTime: now - 1000,
      endTime: now,
    }),
  ).toEqual({ httpCode: 202 });
  const profiles = await first.resolver.profiles();
  await first.close();
  running.splice(0);

  expect(await readdir(dir)).toEqual(['profiles.json']); // no FILE.tmp left behind
  const saved = JSON.parse(await readFile(file, 'utf8'));
  expect(saved.aliases).toHaveLength(1);

  const second = await start(['--strategy', 'link', '--data', file, '--api-key', 'k']);
  expect(await second.resolver.profiles()).toEqual(profiles);
  const again = new HttpBackend({ baseUrl: second.url, apiKey: 'k' });
  expect((await again.login(req('a@x.test'))).mpid).toBe(known.mpid);
});

test('a corrupt data file stops the start with a message, and is left untouched', async () => {
  const file = join(dir, 'profiles.json');
  await writeFile(file, '{"profiles": [');
  await expect(start(['--data', file])).rejects.toThrow(/not valid JSON/);
  await writeFile(file, '{"profiles": {}}');
  await expect(start(['--data', file])).rejects.toThrow(/profiles/);
  expect(await readFile(file, 'utf8')).toBe('{"profiles": {}}');
});

test('a data file cannot pollute prototypes', async () => {
  const file = join(dir, 'profiles.json');
  await writeFile(
    file,
    '{"__proto__":{"polluted":1},"profiles":[{"mpid":"5","identities":{"__proto__":{"x":1}},' +
      '"isKnown":false,"createdAt":1,"lastSeen":1,"activity":[],"aliasedFrom":[]}],"aliases":[]}',
  );
  const server = await start(['--data', file]);
  const [profile] = await server.resolver.profiles();
  expect(profile!.identities).toEqual({});
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

test('a failed write answers 500 (`storage` → `server`) and the server keeps serving', async () => {
  const store = await FileProfileStore.open(join(dir, 'missing-dir', 'profiles.json'));
  const resolver = new LocalResolver({ strategy: 'isolation', dbName: false, store });
  await expect(resolver.identify(req('a@x.test'))).rejects.toMatchObject({ code: 'storage' });
  const server = createIdsyncServer({ backend: resolver });
  const { url } = await server.listen(0);
  try {
    const http = new HttpBackend({ baseUrl: url, apiKey: 'k', retry: false });
    await expect(http.identify(req('b@x.test'))).rejects.toMatchObject({
      code: 'server',
      httpCode: 500,
    });
    expect((await fetch(`${url}/_profiles`)).status).toBe(200);
  } finally {
    await server.close();
    await resolver.close();
  }
});
