/** docs/aliasing.md: validation, 202 + delay, what moves, retention clamp, 403. */
import type { LocalResolver } from '../../src';
import type { AliasRequest } from '../../src/types';
import { CID, DAY, HOUR, IDFV, makeResolver, req, STORE_KINDS, type Clock } from './helpers';

describe.each(STORE_KINDS)('aliasing over %s', (kind) => {
  let resolver: LocalResolver;
  let clock: Clock;
  afterEach(() => resolver.close());

  /** link: anonymous 1234 with activity, then the sign-up creates known 2345. */
  async function signUp(strategy: 'link' | 'conversion' = 'link', retentionMs?: number) {
    ({ resolver, clock } = makeResolver(kind, { strategy, retentionMs }));
    await resolver.identify(req({ ios_idfv: IDFV })); // 1234
    clock.advance(HOUR);
    await resolver.login(req({ customerid: CID, ios_idfv: IDFV }, '1234'));
  }

  const alias = (startTime: number, endTime: number, extra: Partial<AliasRequest> = {}) =>
    resolver.alias({ sourceMpid: '1234', destinationMpid: '2345', startTime, endTime, ...extra });

  test('202, nothing moves before the delay; afterwards only the in-range activity moves', async () => {
    await signUp();
    const t = clock.now();
    const p1 = await resolver.profile('1234');
    await resolver.recordActivity('1234', t - 50 * 60_000);
    await resolver.recordActivity('1234', t - 40 * 60_000);
    await resolver.recordActivity('1234', t - 10 * 60_000);
    await resolver.recordActivity('2345', t - 40 * 60_000); // already there: no duplicate
    await resolver.recordActivity('2345', t);

    expect(await alias(t - 45 * 60_000, t - 5 * 60_000, { scope: 'device' })).toEqual({
      httpCode: 202,
    });
    expect(await resolver.processAliases()).toBe(0);
    expect((await resolver.profile('2345'))?.aliasedFrom).toEqual([]);

    clock.advance(DAY - 1);
    expect(await resolver.processAliases()).toBe(0);
    clock.advance(1);
    expect(await resolver.processAliases()).toBe(1);

    const destination = await resolver.profile('2345');
    expect(destination?.activity).toEqual([t - 40 * 60_000, t - 10 * 60_000, t]);
    expect(destination?.aliasedFrom).toEqual(['1234']);
    // the destination's first-seen moves back to the source's
    expect(destination?.createdAt).toBe(p1?.createdAt);
    // the source keeps its data
    expect((await resolver.profile('1234'))?.activity).toHaveLength(3);
    // applied once only
    expect(await resolver.processAliases()).toBe(0);
  });

  test('applying twice is harmless: aliasedFrom once, no duplicate activity', async () => {
    await signUp('conversion'); // conversion: 1234 is converted, so alias into a fresh one
    await resolver.login(req({ customerid: 'other' }, '1234')); // 2345, known
    const t = clock.now();
    await resolver.recordActivity('1234', t - 1000);
    await alias(t - 2000, t);
    await alias(t - 2000, t);
    clock.advance(DAY);
    expect(await resolver.processAliases()).toBe(2);
    const destination = await resolver.profile('2345');
    expect(destination?.aliasedFrom).toEqual(['1234']);
    expect(destination?.activity).toEqual([t - 1000]);
  });

  test('start times older than the retention window are clamped to it', async () => {
    await signUp('link', 30 * DAY);
    const t = clock.now();
    await resolver.recordActivity('1234', t - 40 * DAY);
    await resolver.recordActivity('1234', t - 20 * DAY);
    expect(await alias(0, t)).toEqual({ httpCode: 202 });
    clock.advance(DAY);
    await resolver.processAliases();
    expect((await resolver.profile('2345'))?.activity).toEqual([t - 20 * DAY]);
  });

  test('a range wholly before the retention window → 400', async () => {
    await signUp('link', 30 * DAY);
    const t = clock.now();
    await expect(alias(t - 50 * DAY, t - 40 * DAY)).rejects.toMatchObject({
      code: 'bad_request',
      httpCode: 400,
      message: expect.stringMatching(/retention/),
    });
  });

  /** Each body is built from the clock's now, so valid times stay inside the retention window. */
  const valid = (now: number) => ({
    sourceMpid: '1234',
    destinationMpid: '2345',
    startTime: now - 10,
    endTime: now,
  });
  test.each<[string, (now: number) => unknown, RegExp]>([
    ['not an object', () => null, /object/],
    ['missing sourceMpid', (now) => ({ ...valid(now), sourceMpid: undefined }), /sourceMpid/],
    [
      'malformed destinationMpid',
      (now) => ({ ...valid(now), destinationMpid: '23x' }),
      /destinationMpid/,
    ],
    ['numeric MPID', (now) => ({ ...valid(now), sourceMpid: 1234 }), /sourceMpid/],
    ['source = destination', (now) => ({ ...valid(now), destinationMpid: '1234' }), /differ/],
    [
      'start after end',
      (now) => ({ ...valid(now), startTime: now, endTime: now - 1 }),
      /startTime/,
    ],
    ['missing endTime', (now) => ({ ...valid(now), endTime: undefined }), /endTime/],
    ['bad scope', (now) => ({ ...valid(now), scope: 'all' }), /scope/],
    [
      'source does not exist',
      (now) => ({ ...valid(now), sourceMpid: '999' }),
      /sourceMpid 999 does not exist/,
    ],
    [
      'destination does not exist',
      (now) => ({ ...valid(now), destinationMpid: '999' }),
      /destinationMpid 999 does not exist/,
    ],
    [
      '__proto__ key',
      (now) =>
        JSON.parse(
          `{"__proto__":{"x":1},"sourceMpid":"1234","destinationMpid":"2345","startTime":${now - 10},"endTime":${now}}`,
        ),
      /__proto__/,
    ],
  ])('%s → 400, nothing queued', async (_name, body, message) => {
    await signUp();
    await expect(resolver.alias(body(clock.now()) as never)).rejects.toMatchObject({
      code: 'bad_request',
      httpCode: 400,
      message: expect.stringMatching(message),
    });
    clock.advance(2 * DAY);
    expect(await resolver.processAliases()).toBe(0);
    expect((await resolver.profile('2345'))?.aliasedFrom).toEqual([]);
  });

  test.each(['isolation', 'best-match'] as const)('403 forbidden under %s', async (strategy) => {
    ({ resolver, clock } = makeResolver(kind, { strategy }));
    await resolver.identify(req({ ios_idfv: IDFV }));
    await resolver.identify(req({ customerid: CID }));
    await expect(alias(0, clock.now())).rejects.toMatchObject({ code: 'forbidden', httpCode: 403 });
  });

  test('recordActivity defaults to now', async () => {
    await signUp();
    await resolver.recordActivity('1234');
    expect((await resolver.profile('1234'))?.activity).toEqual([clock.now()]);
  });
});
