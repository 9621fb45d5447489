/** @jest-environment node */
/**
 * The profile isolation scenario of docs/strategies.md, replayed twice: once against
 * the in-page LocalResolver, once through HttpBackend → the local server →
 * its own LocalResolver. Both must end with the same profiles.
 */
import { HttpBackend } from '../../src/backends/http/http-backend';
import { LocalResolver } from '../../src/backends/local/local-resolver';
import { pagesFromList } from '../../src/server/profile-pages';
import { createIdsyncServer, type IdsyncServer } from '../../src/server/server';
import type { BackendRequest, Identities, IdentityBackend, Profile } from '../../src/types';

const START = Date.UTC(2026, 0, 1);
const CID = 'ABC123';
const HYDE = 'ed.hyde@example.com';
const JEKYLL = 'h.jekyll.md@example.com';
const IDFV = '9876';
const ROKU = '8765';

/** A resolver with MPIDs 1234, 2345, … and a clock that moves a minute per step. */
function resolver() {
  let i = 0;
  let t = START;
  const local = new LocalResolver({
    strategy: 'isolation',
    dbName: false,
    now: () => t,
    generateMpid: () => {
      i += 1;
      return [0, 1, 2, 3].map((k) => (i + k) % 10).join('');
    },
  });
  return { local, step: () => void (t += 60_000) };
}

const req = (knownIdentities: Identities, previousMpid: string | null): BackendRequest => ({
  knownIdentities,
  previousMpid,
  environment: 'development',
  requestTimestampMs: START,
});

/** Steps 1-8; step 4 is a feed (no Identity API call), so it goes to the resolver itself. */
async function isolationScenario(
  backend: IdentityBackend,
  local: LocalResolver,
  step: () => void,
): Promise<string[]> {
  const mpids: string[] = [];
  const run = async (call: () => Promise<{ mpid: string }>) => {
    mpids.push((await call()).mpid);
    step();
  };
  await run(() => backend.identify(req({ ios_idfv: IDFV }, null)));
  await run(() => backend.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234')));
  await run(() => backend.logout(req({ ios_idfv: IDFV }, '2345')));
  await run(() => local.feed({ email: JEKYLL }));
  await run(() => backend.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234')));
  await run(() =>
    backend.modify('2345', {
      identityChanges: [{ identityType: 'email', oldValue: HYDE, newValue: JEKYLL }],
      environment: 'development',
      requestTimestampMs: START,
    }),
  );
  await run(() => backend.identify(req({ roku_aid: ROKU }, null)));
  await run(() => backend.login(req({ customerid: CID, email: JEKYLL, roku_aid: ROKU }, '4567')));
  return mpids;
}

const byMpid = (profiles: Profile[]) => [...profiles].sort((a, b) => a.mpid.localeCompare(b.mpid));

let server: IdsyncServer | undefined;
afterEach(() => server?.close());

test('isolation through HttpBackend ends with the same profiles as in the page', async () => {
  const inPage = resolver();
  const direct = await isolationScenario(inPage.local, inPage.local, inPage.step);

  const remote = resolver();
  server = createIdsyncServer({
    backend: remote.local,
    profiles: pagesFromList(() => remote.local.profiles()),
    apiKey: 'key-1',
  });
  const { url } = await server.listen(0);
  const http = new HttpBackend({ baseUrl: url, apiKey: 'key-1' });
  const overHttp = await isolationScenario(http, remote.local, remote.step);

  expect(direct).toEqual(['1234', '2345', '1234', '3456', '2345', '2345', '4567', '2345']);
  expect(overHttp).toEqual(direct);
  const profiles = byMpid(await remote.local.profiles());
  expect(profiles).toEqual(byMpid(await inPage.local.profiles()));
  // and what docs/strategies.md says they are
  expect(profiles.map((p) => [p.mpid, p.isKnown, p.identities])).toEqual([
    ['1234', false, { ios_idfv: IDFV }],
    ['2345', true, { customerid: CID, email: JEKYLL, ios_idfv: IDFV, roku_aid: ROKU }],
    ['3456', false, {}],
    ['4567', false, { roku_aid: ROKU }],
  ]);
  // GET /v1/_profiles shows the same
  const headers = { 'x-mp-key': 'key-1' };
  const listed = (await (await fetch(`${url}/_profiles`, { headers })).json()) as {
    profiles: Profile[];
  };
  expect(byMpid(listed.profiles)).toEqual(profiles);
});

test('alias under isolation is refused 403 → forbidden, and the resolver validates MPIDs → 400', async () => {
  const remote = resolver();
  server = createIdsyncServer({
    backend: remote.local,
    profiles: pagesFromList(() => remote.local.profiles()),
  });
  const { url } = await server.listen(0);
  const http = new HttpBackend({ baseUrl: url, apiKey: 'k', retry: false });
  const alias = { sourceMpid: '1234', destinationMpid: '2345', startTime: START, endTime: START };
  await expect(http.alias(alias)).rejects.toMatchObject({ code: 'forbidden', httpCode: 403 });
  await expect(http.identify(req({ email: 'x'.repeat(2000) }, null))).rejects.toMatchObject({
    code: 'bad_request',
    httpCode: 400,
  });
});
