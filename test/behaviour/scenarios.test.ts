/**
 * The scenario tables of docs/strategies.md, replayed step by step through the public
 * API: two clients ("devices", each its own dbName) sharing one resolver.
 * MPIDs are made deterministic (1234, 2345, ...) so the tables read as written.
 */
import { createIdentity, LocalResolver } from '../../src';
import type { IdentityClient, Profile, Strategy } from '../../src';

const ED = 'ed.hyde@example.com';
const JEKYLL = 'h.jekyll.md@example.com';
const POOLE = 'poole@example.com';

let run = 0;

function sequentialMpids(): () => string {
  let next = 0;
  return () => String(1234 + 1111 * next++);
}

async function setup(
  strategy: Strategy,
  extra: Partial<ConstructorParameters<typeof LocalResolver>[0]> = {},
) {
  run += 1;
  const resolver = new LocalResolver({
    strategy,
    dbName: `scenario-resolver-${run}`,
    generateMpid: sequentialMpids(),
    ...extra,
  });
  const device = (name: string) =>
    createIdentity({ backend: resolver, dbName: `scenario-${name}-${run}`, identifyOnInit: false });
  const phone = await device('phone');
  const roku = await device('roku');
  return { resolver, phone, roku };
}

async function profile(resolver: LocalResolver, mpid: string): Promise<Profile> {
  const found = await resolver.profile(mpid);
  if (!found) throw new Error(`no profile ${mpid}`);
  return found;
}

/** identities without the SDK's own device id, which every request carries */
function ids(p: Profile): Record<string, string> {
  const { device_application_stamp: _stamp, ...rest } = p.identities;
  return rest as Record<string, string>;
}

async function closeAll(...clients: IdentityClient[]) {
  await Promise.all(clients.map((c) => c.close()));
}

describe('profile isolation (the seed scenario)', () => {
  test('replays the table of docs/strategies.md step by step', async () => {
    const { resolver, phone, roku } = await setup('isolation');

    // 1. first launch
    let r = await phone.identify({ userIdentities: { ios_idfv: '9876' } });
    expect(r.mpid).toBe('1234');
    expect(r.isLoggedIn).toBe(false);
    expect(ids(await profile(resolver, '1234'))).toEqual({ ios_idfv: '9876' });
    expect((await profile(resolver, '1234')).isKnown).toBe(false);

    // 2. user signs up and logs in: a NEW known profile
    r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r).toMatchObject({
      mpid: '2345',
      previousMpid: '1234',
      userChanged: true,
      isLoggedIn: true,
    });
    expect(ids(await profile(resolver, '2345'))).toEqual({
      customerid: 'ABC123',
      email: ED,
      ios_idfv: '9876',
    });
    expect((await profile(resolver, '2345')).isKnown).toBe(true);
    expect(ids(await profile(resolver, '1234'))).toEqual({ ios_idfv: '9876' });

    // 3. user logs out: back to the device's anonymous profile
    r = await phone.logout({ userIdentities: { ios_idfv: '9876' } });
    expect(r).toMatchObject({
      mpid: '1234',
      previousMpid: '2345',
      userChanged: true,
      isLoggedIn: false,
    });
    expect(phone.currentUser?.mpid).toBe('1234');

    // 4. support e-mail from another address: a feed, no Identity API call
    const fed = await resolver.feed({ email: JEKYLL });
    expect(fed.mpid).toBe('3456');
    expect(fed.isKnown).toBe(true);
    expect(fed.identities).toEqual({ email: JEKYLL });
    expect(phone.currentUser?.mpid).toBe('1234');

    // 5. returning user logs in
    r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r).toMatchObject({ mpid: '2345', userChanged: true, isLoggedIn: true });

    // 6. user changes e-mail to the support address: P3 is orphaned
    r = await phone.modify({ userIdentities: { email: JEKYLL } });
    expect(r).toMatchObject({ mpid: '2345', userChanged: false });
    expect(phone.currentUser?.identities.email).toBe(JEKYLL);
    expect((await profile(resolver, '2345')).identities.email).toBe(JEKYLL);
    const orphan = await profile(resolver, '3456');
    expect(orphan.identities.email).toBeUndefined();
    expect(orphan.isKnown).toBe(false);
    expect(orphan.orphanedAt).toEqual(expect.any(Number));

    // 7. new device (Roku) launches
    r = await roku.identify({ userIdentities: { roku_aid: '8765' } });
    expect(r).toMatchObject({ mpid: '4567', isLoggedIn: false });
    expect(ids(await profile(resolver, '4567'))).toEqual({ roku_aid: '8765' });

    // 8. new device login: the known profile gains the Roku id
    r = await roku.login({
      userIdentities: { customerid: 'ABC123', email: JEKYLL, roku_aid: '8765' },
    });
    expect(r).toMatchObject({
      mpid: '2345',
      previousMpid: '4567',
      userChanged: true,
      isLoggedIn: true,
    });
    expect(ids(await profile(resolver, '2345'))).toEqual({
      customerid: 'ABC123',
      email: JEKYLL,
      ios_idfv: '9876',
      roku_aid: '8765',
    });
    expect(roku.currentUser?.identities).toMatchObject({ customerid: 'ABC123', roku_aid: '8765' });

    // Each device keeps its own device id, and both ids sit on the known profile's history.
    expect(phone.deviceId).not.toBe(roku.deviceId);
    expect((await resolver.profiles()).map((p) => p.mpid).sort()).toEqual([
      '1234',
      '2345',
      '3456',
      '4567',
    ]);
    await closeAll(phone, roku);
    await resolver.close();
  });
});

describe('profile conversion', () => {
  test('replays the table: login converts the anonymous profile, logout creates a new one', async () => {
    const { resolver, phone, roku } = await setup('conversion');

    let r = await phone.identify({ userIdentities: { ios_idfv: '9876' } });
    expect(r.mpid).toBe('1234');

    // 2. login adds CID and Email to P1: same MPID, now known, no change of user
    r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r).toMatchObject({ mpid: '1234', userChanged: false, isLoggedIn: true });
    expect(ids(await profile(resolver, '1234'))).toEqual({
      customerid: 'ABC123',
      email: ED,
      ios_idfv: '9876',
    });
    expect((await profile(resolver, '1234')).isKnown).toBe(true);

    // 3. logout creates a new anonymous profile
    r = await phone.logout({ userIdentities: { ios_idfv: '9876' } });
    expect(r).toMatchObject({ mpid: '2345', userChanged: true, isLoggedIn: false });
    expect(ids(await profile(resolver, '2345'))).toEqual({ ios_idfv: '9876' });

    // 4. feed
    expect((await resolver.feed({ email: JEKYLL })).mpid).toBe('3456');

    // 5. login from P2 returns P1
    r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r).toMatchObject({ mpid: '1234', previousMpid: '2345', userChanged: true });

    // 6. modify P1's e-mail: P3 orphaned
    await phone.modify({ userIdentities: { email: JEKYLL } });
    expect((await profile(resolver, '1234')).identities.email).toBe(JEKYLL);
    expect((await profile(resolver, '3456')).isKnown).toBe(false);

    // 7. + 8. the Roku
    expect((await roku.identify({ userIdentities: { roku_aid: '8765' } })).mpid).toBe('4567');
    r = await roku.login({
      userIdentities: { customerid: 'ABC123', email: JEKYLL, roku_aid: '8765' },
    });
    expect(r).toMatchObject({ mpid: '1234', userChanged: true, isLoggedIn: true });
    expect((await profile(resolver, '1234')).identities.roku_aid).toBe('8765');
    await closeAll(phone, roku);
    await resolver.close();
  });

  test('a second person on a device whose profile is already known gets a new known profile', async () => {
    const { resolver, phone, roku } = await setup('conversion');
    await phone.identify({ userIdentities: { ios_idfv: '9876' } });
    await phone.login({ userIdentities: { customerid: 'ABC123', email: ED } });
    const r = await phone.login({ userIdentities: { customerid: 'XYZ789', email: POOLE } });
    expect(r).toMatchObject({
      mpid: '2345',
      previousMpid: '1234',
      userChanged: true,
      isLoggedIn: true,
    });
    expect((await profile(resolver, '1234')).identities.customerid).toBe('ABC123');
    await closeAll(phone, roku);
    await resolver.close();
  });
});

describe('profile link', () => {
  test('replays the table: login creates a new known profile, every logout a new anonymous one', async () => {
    const { resolver, phone, roku } = await setup('link');

    expect((await phone.identify({ userIdentities: { ios_idfv: '9876' } })).mpid).toBe('1234');

    let r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r).toMatchObject({
      mpid: '2345',
      previousMpid: '1234',
      userChanged: true,
      isLoggedIn: true,
    });
    expect((await profile(resolver, '1234')).isKnown).toBe(false);

    r = await phone.logout({ userIdentities: { ios_idfv: '9876' } });
    expect(r).toMatchObject({ mpid: '3456', userChanged: true, isLoggedIn: false });

    expect((await resolver.feed({ email: JEKYLL })).mpid).toBe('4567');

    r = await phone.login({
      userIdentities: { customerid: 'ABC123', email: ED, ios_idfv: '9876' },
    });
    expect(r.mpid).toBe('2345');

    await phone.modify({ userIdentities: { email: JEKYLL } });
    expect((await profile(resolver, '2345')).identities.email).toBe(JEKYLL);
    const orphan = await profile(resolver, '4567');
    expect(orphan.isKnown).toBe(false);
    expect(orphan.orphanedAt).toEqual(expect.any(Number));

    expect((await roku.identify({ userIdentities: { roku_aid: '8765' } })).mpid).toBe('5678');
    r = await roku.login({
      userIdentities: { customerid: 'ABC123', email: JEKYLL, roku_aid: '8765' },
    });
    expect(r.mpid).toBe('2345');
    expect((await profile(resolver, '2345')).identities.roku_aid).toBe('8765');

    // a second logout on the phone is again a NEW anonymous profile
    r = await phone.logout({ userIdentities: { ios_idfv: '9876' } });
    expect(r.mpid).toBe('6789');
    await closeAll(phone, roku);
    await resolver.close();
  });
});

describe('best match', () => {
  test('replays the table and the second-device paragraph', async () => {
    const { resolver, phone, roku } = await setup('best-match', {
      priority: ['email', 'ios_idfv', 'android_uuid'],
    });

    expect((await phone.identify({ userIdentities: { ios_idfv: '9876' } })).mpid).toBe('1234');

    let r = await phone.identify({ userIdentities: { email: ED, ios_idfv: '9876' } });
    expect(r).toMatchObject({ mpid: '1234', userChanged: false });
    expect((await profile(resolver, '1234')).identities.email).toBe(ED);

    r = await phone.modify({ userIdentities: { email: JEKYLL } });
    expect(r.mpid).toBe('1234');
    expect((await profile(resolver, '1234')).identities.email).toBe(JEKYLL);

    // a second person on the same device: the e-mail matches nothing, the IDFV matches P1
    r = await phone.identify({ userIdentities: { email: POOLE, ios_idfv: '9876' } });
    expect(r).toMatchObject({ mpid: '1234', userChanged: false, isLoggedIn: false });
    const p1 = await profile(resolver, '1234');
    const emails = [p1.identities.email, ...(p1.additionalIdentities?.email ?? [])];
    expect(emails.sort()).toEqual([JEKYLL, POOLE].sort());

    // login and logout behave as identify
    r = await phone.login({ userIdentities: { email: JEKYLL } });
    expect(r.mpid).toBe('1234');

    // second device: its Android id alone is new, then the e-mail outranks it
    expect((await roku.identify({ userIdentities: { android_uuid: '8765' } })).mpid).toBe('2345');
    r = await roku.identify({ userIdentities: { android_uuid: '8765', email: POOLE } });
    expect(r).toMatchObject({ mpid: '1234', previousMpid: '2345', userChanged: true });
    expect((await profile(resolver, '1234')).identities.android_uuid).toBe('8765');
    await closeAll(phone, roku);
    await resolver.close();
  });
});
