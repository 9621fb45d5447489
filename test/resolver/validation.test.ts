/** Bad input answers 400 (or 'validation' for options), names the field, and changes nothing. */
import { IdentityError, LocalResolver } from '../../src';
import {
  DEFAULT_PRIORITY,
  normaliseResolverConfig,
} from '../../src/backends/local/resolver-config';
import { IDENTITY_TYPES } from '../../src/identity-types';
import { change, HYDE, IDFV, makeResolver, req } from './helpers';

async function rejection(promise: Promise<unknown>): Promise<IdentityError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('request validation', () => {
  let resolver: LocalResolver;
  beforeEach(() => {
    ({ resolver } = makeResolver('memory'));
  });

  const badRequests: [string, unknown, RegExp][] = [
    ['null body', null, /request must be an object/],
    ['array body', [], /request must be an object/],
    ['string body', 'identify', /request must be an object/],
    ['missing knownIdentities', { previousMpid: null }, /knownIdentities/],
    ['knownIdentities not an object', { knownIdentities: 'x' }, /knownIdentities/],
    ['unknown identity type', { knownIdentities: { nickname: 'x' } }, /knownIdentities\.nickname/],
    ['empty value', { knownIdentities: { email: '' } }, /knownIdentities\.email/],
    ['number value', { knownIdentities: { customerid: 42 } }, /knownIdentities\.customerid/],
    ['bad previousMpid', { knownIdentities: {}, previousMpid: '12a' }, /previousMpid/],
    ['numeric previousMpid', { knownIdentities: {}, previousMpid: 1234 }, /previousMpid/],
    ['bad environment', { knownIdentities: {}, environment: 'staging' }, /environment/],
    ['bad timestamp', { knownIdentities: {}, requestTimestampMs: 'now' }, /requestTimestampMs/],
    [
      '__proto__ identity key',
      JSON.parse('{"knownIdentities":{"__proto__":{"polluted":"yes"}}}'),
      /__proto__/,
    ],
    ['constructor identity key', { knownIdentities: { constructor: 'x' } }, /constructor/],
    ['__proto__ body key', JSON.parse('{"knownIdentities":{},"__proto__":{"x":1}}'), /__proto__/],
  ];

  test.each(badRequests)('%s → 400', async (_name, body, message) => {
    for (const call of ['identify', 'login', 'logout'] as const) {
      const error = await rejection(resolver[call](body as never));
      expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
      expect(error.message).toMatch(message);
    }
    expect(await resolver.profiles()).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const badModifies: [string, unknown, unknown, RegExp][] = [
    ['malformed mpid', 'abc', change('email', null, HYDE), /mpid/],
    ['body not an object', '1234', null, /modify request must be an object/],
    ['identityChanges missing', '1234', {}, /identityChanges/],
    ['change not an object', '1234', { identityChanges: [1] }, /identityChanges\[0\]/],
    [
      'unknown type',
      '1234',
      { identityChanges: [{ identityType: 'nick', oldValue: null, newValue: 'x' }] },
      /identityChanges\[0\]\.identityType/,
    ],
    [
      'empty newValue',
      '1234',
      { identityChanges: [{ identityType: 'email', oldValue: null, newValue: '' }] },
      /newValue/,
    ],
    [
      'numeric oldValue',
      '1234',
      { identityChanges: [{ identityType: 'email', oldValue: 5, newValue: null }] },
      /oldValue/,
    ],
    [
      'same type twice',
      '1234',
      {
        identityChanges: [
          { identityType: 'email', oldValue: null, newValue: 'a@x' },
          { identityType: 'email', oldValue: null, newValue: 'b@x' },
        ],
      },
      /twice/,
    ],
    [
      '__proto__ key in a change',
      '1234',
      JSON.parse('{"identityChanges":[{"identityType":"email","newValue":"a@x","__proto__":{}}]}'),
      /__proto__/,
    ],
  ];

  test.each(badModifies)(
    'modify: %s → 400, nothing changed',
    async (_name, mpid, body, message) => {
      await resolver.identify(req({ ios_idfv: IDFV })); // 1234
      const before = await resolver.profiles();
      const error = await rejection(resolver.modify(mpid as string, body as never));
      expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
      expect(error.message).toMatch(message);
      expect(await resolver.profiles()).toEqual(before);
    },
  );

  test('a failing change in the middle of a modify writes none of it', async () => {
    await resolver.identify(req({ ios_idfv: IDFV }));
    const before = await resolver.profiles();
    const body = {
      identityChanges: [
        { identityType: 'email', oldValue: null, newValue: HYDE },
        { identityType: 'customerid', oldValue: null, newValue: 7 },
      ],
    };
    await expect(resolver.modify('1234', body as never)).rejects.toMatchObject({ httpCode: 400 });
    expect(await resolver.profiles()).toEqual(before);
  });

  test('feed and recordActivity validate too', async () => {
    await expect(resolver.feed({ nickname: 'x' } as never)).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(resolver.recordActivity('1234')).rejects.toMatchObject({
      code: 'bad_request',
      httpCode: 400,
    });
    await expect(resolver.recordActivity('nope')).rejects.toMatchObject({ httpCode: 400 });
    expect(await resolver.profiles()).toEqual([]);
  });
});

describe('options', () => {
  test('defaults by strategy', () => {
    const conversion = normaliseResolverConfig({});
    expect(conversion.strategy.name).toBe('conversion');
    expect([...conversion.loginIds]).toEqual(['customerid', 'email']);
    expect([...conversion.uniqueIds]).toEqual(['customerid', 'email']);
    const best = normaliseResolverConfig({ strategy: 'best-match' });
    expect(best.loginIds.size).toBe(0);
    expect(best.uniqueIds.size).toBe(0);
    expect(new LocalResolver({ dbName: false }).strategy).toBe('conversion');
  });

  test('default priority: person ids in canonical order, then device ids, web stamp first', () => {
    expect(DEFAULT_PRIORITY.slice(0, 3)).toEqual(['customerid', 'email', 'other']);
    expect(DEFAULT_PRIORITY.slice(-9)).toEqual([
      'device_application_stamp',
      'ios_idfv',
      'ios_idfa',
      'android_uuid',
      'android_aaid',
      'roku_aid',
      'roku_publisher_id',
      'fire_aid',
      'push_token',
    ]);
    expect([...DEFAULT_PRIORITY].sort()).toEqual([...IDENTITY_TYPES].sort());
  });

  test('a custom priority has every unlisted type appended in canonical order', () => {
    const { priority } = normaliseResolverConfig({ priority: ['ios_idfv', 'email'] });
    expect(priority.slice(0, 3)).toEqual(['ios_idfv', 'email', 'customerid']);
    expect(priority).toHaveLength(IDENTITY_TYPES.length);
  });

  test.each([
    ['unknown strategy', { strategy: 'magic' }],
    ['device id as login ID', { loginIds: ['ios_idfv'] }],
    ['device id as unique ID', { uniqueIds: ['device_application_stamp'] }],
    ['unknown type in priority', { priority: ['nickname'] }],
    ['duplicate in priority', { priority: ['email', 'email'] }],
    ['loginIds not an array', { loginIds: 'email' }],
    ['negative aliasDelayMs', { aliasDelayMs: -1 }],
    ['NaN retentionMs', { retentionMs: Number.NaN }],
    ['empty dbName', { dbName: '' }],
  ])('%s → IdentityError validation', (_name, options) => {
    expect(() => new LocalResolver(options as never)).toThrow(
      expect.objectContaining({ code: 'validation' }),
    );
  });
});
