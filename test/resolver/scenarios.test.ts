/**
 * The scenario tables of docs/strategies.md, replayed step by step directly against
 * the resolver, over both stores. Each step advances the clock by a minute.
 */
import type { LocalResolver } from '../../src';
import {
  change,
  CID,
  HYDE,
  IDFV,
  JEKYLL,
  makeResolver,
  req,
  ROKU,
  STORE_KINDS,
  type Clock,
} from './helpers';

const MINUTE = 60_000;

describe.each(STORE_KINDS)('docs/strategies.md scenarios over %s', (kind) => {
  let resolver: LocalResolver;
  let clock: Clock;
  const setup = (strategy: 'conversion' | 'link' | 'isolation') => {
    ({ resolver, clock } = makeResolver(kind, { strategy }));
  };
  const step = () => clock.advance(MINUTE);
  afterEach(() => resolver.close());

  test('profile isolation, steps 1-8', async () => {
    setup('isolation');
    // 1. first launch
    let res = await resolver.identify(req({ ios_idfv: IDFV }));
    expect(res).toEqual({
      httpCode: 200,
      mpid: '1234',
      isLoggedIn: false,
      matchedIdentities: { ios_idfv: IDFV },
      context: null,
      isEphemeral: false,
    });
    step();
    // 2. sign-up + login: a NEW known profile, nothing carries over
    res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    expect(res.matchedIdentities).toEqual({ customerid: CID, email: HYDE, ios_idfv: IDFV });
    expect(await resolver.profile('1234')).toMatchObject({
      isKnown: false,
      identities: { ios_idfv: IDFV },
    });
    step();
    // 3. logout: back to the device's anonymous profile
    res = await resolver.logout(req({ ios_idfv: IDFV }, '2345'));
    expect(res).toMatchObject({ mpid: '1234', isLoggedIn: false });
    step();
    // 4. a feed from a support e-mail creates a known profile
    const p3 = await resolver.feed({ email: JEKYLL });
    expect(p3).toMatchObject({ mpid: '3456', isKnown: true, identities: { email: JEKYLL } });
    step();
    // 5. returning user
    res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    step();
    // 6. e-mail changed to the support address: P3 becomes an anonymous orphan
    res = await resolver.modify('2345', change('email', HYDE, JEKYLL));
    expect(res).toEqual({
      httpCode: 200,
      mpid: '2345',
      isLoggedIn: true,
      matchedIdentities: { customerid: CID, email: JEKYLL, ios_idfv: IDFV },
    });
    expect(await resolver.profile('3456')).toMatchObject({
      identities: {},
      isKnown: false,
      orphanedAt: clock.now(),
    });
    step();
    // 7. a new device
    res = await resolver.identify(req({ roku_aid: ROKU }));
    expect(res).toMatchObject({
      mpid: '4567',
      isLoggedIn: false,
      matchedIdentities: { roku_aid: ROKU },
    });
    step();
    // 8. login on the new device
    res = await resolver.login(req({ customerid: CID, email: JEKYLL, roku_aid: ROKU }, '4567'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    expect(res.matchedIdentities).toEqual({
      customerid: CID,
      email: JEKYLL,
      ios_idfv: IDFV,
      roku_aid: ROKU,
    });
    expect((await resolver.profiles()).map((p) => p.mpid).sort()).toEqual([
      '1234',
      '2345',
      '3456',
      '4567',
    ]);
  });

  test('profile conversion, steps 1-8', async () => {
    setup('conversion');
    expect((await resolver.identify(req({ ios_idfv: IDFV }))).mpid).toBe('1234');
    step();
    // 2. the anonymous profile is converted: same MPID, now known
    let res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({
      mpid: '1234',
      isLoggedIn: true,
      matchedIdentities: { customerid: CID, email: HYDE, ios_idfv: IDFV },
    });
    step();
    // 3. logout creates a new anonymous profile (the old one is known now)
    res = await resolver.logout(req({ ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({
      mpid: '2345',
      isLoggedIn: false,
      matchedIdentities: { ios_idfv: IDFV },
    });
    step();
    expect(await resolver.feed({ email: JEKYLL })).toMatchObject({ mpid: '3456', isKnown: true });
    step();
    // 5. login from the anonymous P2 returns P1; P2 is not converted
    res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '2345'));
    expect(res).toMatchObject({ mpid: '1234', isLoggedIn: true });
    expect(await resolver.profile('2345')).toMatchObject({
      isKnown: false,
      identities: { ios_idfv: IDFV },
    });
    step();
    res = await resolver.modify('1234', change('email', HYDE, JEKYLL));
    expect(res.matchedIdentities).toEqual({ customerid: CID, email: JEKYLL, ios_idfv: IDFV });
    expect(await resolver.profile('3456')).toMatchObject({
      identities: {},
      isKnown: false,
      orphanedAt: clock.now(),
    });
    step();
    expect(await resolver.identify(req({ roku_aid: ROKU }))).toMatchObject({
      mpid: '4567',
      isLoggedIn: false,
    });
    step();
    res = await resolver.login(req({ customerid: CID, email: JEKYLL, roku_aid: ROKU }, '4567'));
    expect(res).toMatchObject({ mpid: '1234', isLoggedIn: true });
    expect(res.matchedIdentities).toEqual({
      customerid: CID,
      email: JEKYLL,
      ios_idfv: IDFV,
      roku_aid: ROKU,
    });
    // the Roku's anonymous profile was not converted: P1 matched
    expect(await resolver.profile('4567')).toMatchObject({ isKnown: false });
  });

  test('profile link, steps 1-8', async () => {
    setup('link');
    expect((await resolver.identify(req({ ios_idfv: IDFV }))).mpid).toBe('1234');
    step();
    let res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    expect(await resolver.profile('1234')).toMatchObject({ isKnown: false });
    // the app may alias the anonymous profile to the new known one
    expect(
      await resolver.alias({
        sourceMpid: '1234',
        destinationMpid: '2345',
        startTime: clock.now() - MINUTE,
        endTime: clock.now(),
      }),
    ).toEqual({ httpCode: 202 });
    step();
    // 3. every logout creates a new anonymous profile, even with a matching device id
    res = await resolver.logout(req({ ios_idfv: IDFV }, '2345'));
    expect(res).toMatchObject({
      mpid: '3456',
      isLoggedIn: false,
      matchedIdentities: { ios_idfv: IDFV },
    });
    step();
    expect(await resolver.feed({ email: JEKYLL })).toMatchObject({ mpid: '4567', isKnown: true });
    step();
    res = await resolver.login(req({ customerid: CID, email: HYDE, ios_idfv: IDFV }, '3456'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    step();
    await resolver.modify('2345', change('email', HYDE, JEKYLL));
    expect(await resolver.profile('4567')).toMatchObject({
      identities: {},
      isKnown: false,
      orphanedAt: clock.now(),
    });
    step();
    expect(await resolver.identify(req({ roku_aid: ROKU }))).toMatchObject({
      mpid: '5678',
      isLoggedIn: false,
    });
    step();
    res = await resolver.login(req({ customerid: CID, email: JEKYLL, roku_aid: ROKU }, '5678'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    expect(res.matchedIdentities).toEqual({
      customerid: CID,
      email: JEKYLL,
      ios_idfv: IDFV,
      roku_aid: ROKU,
    });
  });

  test('best match, steps 1-4 and the second device (Limits)', async () => {
    ({ resolver, clock } = makeResolver(kind, {
      strategy: 'best-match',
      priority: ['email', 'ios_idfv', 'android_uuid'],
    }));
    expect(await resolver.identify(req({ ios_idfv: IDFV }))).toMatchObject({
      mpid: '1234',
      isLoggedIn: false,
    });
    step();
    let res = await resolver.identify(req({ email: HYDE, ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '1234', matchedIdentities: { email: HYDE, ios_idfv: IDFV } });
    step();
    res = await resolver.modify('1234', change('email', HYDE, JEKYLL));
    expect(res).toMatchObject({
      mpid: '1234',
      matchedIdentities: { email: JEKYLL, ios_idfv: IDFV },
    });
    step();
    // 4. a second person on the same device: the e-mail matches nothing, IDFV matches P1
    res = await resolver.identify(req({ email: 'poole@example.com', ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '1234', isLoggedIn: false });
    let p1 = await resolver.profile('1234');
    expect(p1?.identities).toEqual({ email: JEKYLL, ios_idfv: IDFV });
    expect(p1?.additionalIdentities).toEqual({ email: ['poole@example.com'] });
    // both e-mails match P1
    expect((await resolver.identify(req({ email: JEKYLL }))).mpid).toBe('1234');
    expect((await resolver.identify(req({ email: 'poole@example.com' }))).mpid).toBe('1234');
    step();
    // second device: Android ID alone → new P2; with the e-mail → P1, which gains the Android ID
    expect((await resolver.identify(req({ android_uuid: ROKU }))).mpid).toBe('2345');
    step();
    res = await resolver.identify(req({ android_uuid: ROKU, email: 'poole@example.com' }, '2345'));
    expect(res.mpid).toBe('1234');
    p1 = await resolver.profile('1234');
    expect(p1?.identities).toEqual({ email: JEKYLL, ios_idfv: IDFV, android_uuid: ROKU });
    // device ids are not unique: P2 keeps its Android ID
    expect((await resolver.profile('2345'))?.identities).toEqual({ android_uuid: ROKU });
    // login and logout behave as identify
    expect((await resolver.login(req({ ios_idfv: IDFV }))).mpid).toBe('1234');
    expect((await resolver.logout(req({ ios_idfv: IDFV }))).mpid).toBe('1234');
  });
});
