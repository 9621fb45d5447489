/** Edge cases of the matching rules (docs/strategies.md, rules 1-6) and of modify, over both stores. */
import type { LocalResolver } from '../../src';
import {
  change,
  CID,
  HYDE,
  IDFV,
  JEKYLL,
  makeResolver,
  req,
  STORE_KINDS,
  type Clock,
} from './helpers';

describe.each(STORE_KINDS)('matching rules over %s', (kind) => {
  let resolver: LocalResolver;
  let clock: Clock;
  afterEach(() => resolver.close());

  test('rule 5: login IDs pointing at two known profiles — higher priority wins, nothing is stolen', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    await resolver.login(req({ customerid: 'A', email: 'a@example.com' })); // 1234
    await resolver.login(req({ customerid: 'B', email: 'b@example.com' })); // 2345
    const res = await resolver.login(req({ customerid: 'A', email: 'b@example.com' }));
    expect(res).toMatchObject({
      mpid: '1234',
      matchedIdentities: { customerid: 'A', email: 'a@example.com' },
    });
    expect(await resolver.profile('2345')).toMatchObject({
      isKnown: true,
      identities: { customerid: 'B', email: 'b@example.com' },
    });
    expect((await resolver.profile('2345'))?.orphanedAt).toBeUndefined();
  });

  test('rule 2: a request with login IDs ignores device ids when picking the profile', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    await resolver.identify(req({ ios_idfv: IDFV })); // 1234 anonymous
    await resolver.login(req({ customerid: 'A', ios_idfv: IDFV })); // 2345
    // a login ID nobody holds + the device id of both: a NEW known profile
    const res = await resolver.login(req({ customerid: 'B', ios_idfv: IDFV }, '2345'));
    expect(res).toMatchObject({ mpid: '3456', isLoggedIn: true });
  });

  test('rule 3: conversion of an already-known current profile creates a new known profile', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'conversion' }));
    await resolver.identify(req({ ios_idfv: IDFV })); // 1234
    await resolver.login(req({ customerid: 'A', ios_idfv: IDFV }, '1234')); // converts 1234
    const res = await resolver.login(req({ customerid: 'B', ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: true });
    expect((await resolver.profile('1234'))?.identities).toEqual({
      customerid: 'A',
      ios_idfv: IDFV,
    });
  });

  test('rule 3: conversion without a current profile, or an unknown one, creates a new known profile', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'conversion' }));
    expect(await resolver.login(req({ customerid: 'A' }))).toMatchObject({
      mpid: '1234',
      isLoggedIn: true,
    });
    expect(await resolver.login(req({ customerid: 'B' }, '987654321'))).toMatchObject({
      mpid: '2345',
      isLoggedIn: true,
    });
  });

  test('rule 4: a known profile is never returned without one of its login IDs', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'conversion' }));
    await resolver.identify(req({ ios_idfv: IDFV }));
    await resolver.login(req({ customerid: CID, ios_idfv: IDFV }, '1234')); // 1234 known
    const res = await resolver.identify(req({ ios_idfv: IDFV }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', isLoggedIn: false });
  });

  test('rule 4: of several matching anonymous profiles the most recently seen wins', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'link' }));
    await resolver.identify(req({ ios_idfv: IDFV, roku_aid: 'r1' })); // 1234
    clock.advance(1000);
    await resolver.logout(req({ ios_idfv: IDFV })); // 2345, newer
    clock.advance(1000);
    expect((await resolver.identify(req({ ios_idfv: IDFV }))).mpid).toBe('2345');
    clock.advance(1000);
    await resolver.identify(req({ roku_aid: 'r1' })); // 1234 is now the one seen last
    clock.advance(1000);
    expect((await resolver.identify(req({ ios_idfv: IDFV }))).mpid).toBe('1234');
    clock.advance(1000);
    // a higher-priority device id decides before recency
    await resolver.identify(req({ device_application_stamp: 'web-1', ios_idfv: IDFV })); // 1234 gains it
    clock.advance(1000);
    await resolver.logout(req({ ios_idfv: IDFV })); // 3456
    clock.advance(1000);
    expect(
      (await resolver.identify(req({ device_application_stamp: 'web-1', ios_idfv: IDFV }))).mpid,
    ).toBe('1234');
  });

  test('link: every logout creates a new anonymous profile', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'link' }));
    const first = await resolver.logout(req({ ios_idfv: IDFV }));
    const second = await resolver.logout(req({ ios_idfv: IDFV }, first.mpid));
    expect([first.mpid, second.mpid]).toEqual(['1234', '2345']);
  });

  test('logout ignores login IDs: not matched, not added', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    await resolver.identify(req({ ios_idfv: IDFV })); // 1234
    await resolver.login(req({ customerid: CID, ios_idfv: IDFV }, '1234')); // 2345
    const res = await resolver.logout(req({ customerid: CID, ios_idfv: IDFV }, '2345'));
    expect(res).toMatchObject({
      mpid: '1234',
      isLoggedIn: false,
      matchedIdentities: { ios_idfv: IDFV },
    });
  });

  test('rule 6: a unique non-login value is moved to the chosen profile', async () => {
    ({ resolver, clock } = makeResolver(kind, {
      strategy: 'isolation',
      uniqueIds: ['customerid', 'email', 'other'],
    }));
    await resolver.identify(req({ other: 'X', ios_idfv: IDFV })); // 1234 anonymous
    const res = await resolver.login(req({ customerid: CID, other: 'X' }, '1234'));
    expect(res).toMatchObject({ mpid: '2345', matchedIdentities: { customerid: CID, other: 'X' } });
    expect((await resolver.profile('1234'))?.identities).toEqual({ ios_idfv: IDFV });
  });

  test('non-unique values may sit on several profiles', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    await resolver.login(req({ customerid: 'A', other: 'shared' }));
    await resolver.login(req({ customerid: 'B', other: 'shared' }));
    expect((await resolver.profile('1234'))?.identities.other).toBe('shared');
    expect((await resolver.profile('2345'))?.identities.other).toBe('shared');
  });

  test('identify/login set lastSeen; creation sets createdAt', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    const created = clock.now();
    await resolver.identify(req({ ios_idfv: IDFV }));
    clock.advance(5000);
    await resolver.identify(req({ ios_idfv: IDFV }));
    expect(await resolver.profile('1234')).toMatchObject({
      createdAt: created,
      lastSeen: created + 5000,
    });
  });

  describe('modify', () => {
    test('adds, changes and removes; login IDs decide isKnown; the MPID never changes', async () => {
      ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
      await resolver.identify(req({ ios_idfv: IDFV })); // 1234 anonymous
      let res = await resolver.modify('1234', change('email', null, HYDE));
      expect(res).toEqual({
        httpCode: 200,
        mpid: '1234',
        isLoggedIn: true,
        matchedIdentities: { email: HYDE, ios_idfv: IDFV },
      });
      res = await resolver.modify('1234', change('email', HYDE, null));
      expect(res).toMatchObject({ isLoggedIn: false, matchedIdentities: { ios_idfv: IDFV } });
      // losing one's own login ID is not orphaning (nobody took it)
      expect((await resolver.profile('1234'))?.orphanedAt).toBeUndefined();
    });

    test('a unique value taken is removed from the other profile, which is orphaned', async () => {
      ({ resolver, clock } = makeResolver(kind, { strategy: 'conversion' }));
      await resolver.login(req({ customerid: 'A', email: HYDE })); // 1234
      await resolver.login(req({ email: JEKYLL })); // 2345
      clock.advance(1000);
      await resolver.modify('1234', change('email', HYDE, JEKYLL));
      expect(await resolver.profile('2345')).toMatchObject({
        identities: {},
        isKnown: false,
        orphanedAt: clock.now(),
      });
      // a profile that keeps another login ID is not orphaned
      await resolver.login(req({ customerid: 'C', email: 'c@example.com' })); // 3456
      await resolver.modify('1234', change('email', JEKYLL, 'c@example.com'));
      expect(await resolver.profile('3456')).toMatchObject({
        identities: { customerid: 'C' },
        isKnown: true,
      });
      // regaining a login ID ends orphanhood
      await resolver.modify('2345', change('customerid', null, 'D'));
      const p2 = await resolver.profile('2345');
      expect(p2?.isKnown).toBe(true);
      expect(p2?.orphanedAt).toBeUndefined();
    });

    test('unknown MPID → 400 bad_request, nothing written', async () => {
      ({ resolver, clock } = makeResolver(kind));
      await expect(resolver.modify('4242', change('email', null, HYDE))).rejects.toMatchObject({
        code: 'bad_request',
        httpCode: 400,
      });
      expect(await resolver.profiles()).toEqual([]);
    });

    test('best match: replaces the old value where it is stored', async () => {
      ({ resolver, clock } = makeResolver(kind, { strategy: 'best-match' }));
      await resolver.identify(req({ email: 'a@example.com' }));
      await resolver.identify(req({ email: 'b@example.com', ios_idfv: IDFV })); // idfv no match → new
      await resolver.identify(req({ email: 'b@example.com' })); // 2345
      await resolver.identify(req({ ios_idfv: IDFV, email: 'c@example.com' })); // 2345 + c
      expect(await resolver.profile('2345')).toMatchObject({
        identities: { email: 'b@example.com', ios_idfv: IDFV },
        additionalIdentities: { email: ['c@example.com'] },
      });
      await resolver.modify('2345', change('email', 'c@example.com', 'd@example.com'));
      expect((await resolver.profile('2345'))?.additionalIdentities).toEqual({
        email: ['d@example.com'],
      });
      await resolver.modify('2345', change('email', 'b@example.com', null));
      const p2 = await resolver.profile('2345');
      expect(p2?.identities).toEqual({ email: 'd@example.com', ios_idfv: IDFV });
      expect(p2?.additionalIdentities).toBeUndefined();
      // nothing unique under best match: P1 keeps its own value
      expect((await resolver.profile('1234'))?.identities).toEqual({ email: 'a@example.com' });
    });
  });

  test('concurrent calls are serialised: one device id, one profile', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    const results = await Promise.all([
      resolver.identify(req({ ios_idfv: IDFV })),
      resolver.identify(req({ ios_idfv: IDFV })),
      resolver.identify(req({ ios_idfv: IDFV })),
    ]);
    expect(results.map((r) => r.mpid)).toEqual(['1234', '1234', '1234']);
    expect(await resolver.profiles()).toHaveLength(1);
  });

  test('feed of a known login ID finds its profile without creating one', async () => {
    ({ resolver, clock } = makeResolver(kind, { strategy: 'isolation' }));
    await resolver.login(req({ customerid: CID, email: HYDE }));
    expect((await resolver.feed({ email: HYDE })).mpid).toBe('1234');
    expect(await resolver.profiles()).toHaveLength(1);
  });
});
