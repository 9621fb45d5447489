import { IdentityError } from '../../src';
import {
  checksum,
  decodeCookieValue,
  encodeCookieValue,
  findIdentityCookie,
  isCookieNewer,
  MAX_COOKIE_VALUE_LENGTH,
  nextRevision,
  validateCookieState,
  validateExactCookieState,
  type IdentityCookieState,
} from '../../src/cookie/format';
import { MAX_DEVICE_ID_LENGTH } from '../../src/cookie/device-id';
import { failWith } from '../../src/validation/plain';

const fail = failWith('validation');
const STATE: IdentityCookieState = {
  deviceId: '3f1c2a9e-8b7d-4c1e-9a2b-5d6e7f8a9b0c',
  mpid: '-4567890123456789',
  isLoggedIn: true,
  revision: 42,
};
const WORST: IdentityCookieState = {
  deviceId: 'd'.repeat(MAX_DEVICE_ID_LENGTH),
  mpid: '-9223372036854775808',
  isLoggedIn: true,
  revision: Number.MAX_SAFE_INTEGER,
};
const encode = (state: IdentityCookieState) => encodeCookieValue(state, fail);

/** A value with a correct checksum around any fields: what a forger could write. */
function forged(...fields: string[]): string {
  const body = ['idsync', '1', ...fields].join('.');
  return `${body}.${checksum(body)}`;
}

describe('encode / decode', () => {
  test.each([
    ['a logged-in user', STATE],
    ['an anonymous user', { ...STATE, isLoggedIn: false }],
    ['no user yet', { ...STATE, mpid: null, isLoggedIn: false, revision: 0 }],
    ['the longest of every field', WORST],
  ])('round-trips %s', (_, state) => {
    expect(decodeCookieValue(encode(state))).toEqual({ ok: true, state });
  });

  test('the worst case stays under 200 bytes, with the longest cookie name too', () => {
    const value = encode(WORST);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_COOKIE_VALUE_LENGTH);
    expect(Buffer.byteLength(`${'n'.repeat(64)}=${value}`)).toBeLessThan(200);
  });

  test('uses only characters no cookie parser or URL encoder changes', () => {
    for (const state of [STATE, WORST]) {
      const value = encode(state);
      expect(encodeURIComponent(value)).toBe(value);
      expect(value).toMatch(/^[\w.-]+$/);
    }
  });

  test('holds the four fields and nothing else handed to it', () => {
    const withPersonalData = {
      ...STATE,
      userIdentities: { email: 'h.jekyll@example.com', customerid: 'ABC123' },
      attributes: { plan: 'pro' },
    } as IdentityCookieState;
    const value = encode(withPersonalData);
    expect(value).toBe(encode(STATE));
    expect(value).not.toMatch(/jekyll|ABC123|pro/);
  });

  test.each([
    ['a device id with a dot', { ...STATE, deviceId: 'a.b' }, 'deviceId'],
    ['a too long device id', { ...STATE, deviceId: 'd'.repeat(65) }, 'deviceId'],
    ['an empty device id', { ...STATE, deviceId: '' }, 'deviceId'],
    ['a bad mpid', { ...STATE, mpid: '01' }, 'mpid'],
    ['logged in without a user', { ...STATE, mpid: null }, 'isLoggedIn'],
    ['a negative revision', { ...STATE, revision: -1 }, 'revision'],
    ['a fractional revision', { ...STATE, revision: 1.5 }, 'revision'],
    ['an unsafe revision', { ...STATE, revision: 2 ** 53 }, 'revision'],
  ])('refuses to encode %s; validateCookieState names the field', (_, state, field) => {
    const run = () => encode(state as IdentityCookieState);
    expect(run).toThrow(IdentityError);
    expect(run).toThrow('the cookie state is invalid');
    expect(() => validateCookieState(state, fail)).toThrow(new RegExp(`^${field}`));
  });
});

describe('strict decoding: the reason, never a throw', () => {
  const good = encode(STATE);

  test('a tampered field fails the checksum', () => {
    const parts = good.split('.');
    const otherUser = [...parts.slice(0, 3), '-4567890123456780', ...parts.slice(4)].join('.');
    const loggedOut = [...parts.slice(0, 4), '0', ...parts.slice(5)].join('.');
    const newerRevision = [...parts.slice(0, 5), '43', parts[6]].join('.');
    for (const value of [otherUser, loggedOut, newerRevision]) {
      expect(decodeCookieValue(value)).toEqual({ ok: false, reason: 'checksum' });
    }
  });

  test('every truncation is refused', () => {
    for (let length = 0; length < good.length; length++) {
      const result = decodeCookieValue(good.slice(0, length));
      expect(result.ok).toBe(false);
    }
  });

  test('an oversized value is refused before it is parsed', () => {
    expect(decodeCookieValue(`${good}.${'x'.repeat(200)}`)).toEqual({
      ok: false,
      reason: 'oversized',
    });
  });

  test.each(['', 'GA1.2.1234.5678', 'eyJhbGciOiJIUzI1NiJ9', 'IDSYNC.1.x', 'idsyncx.1'])(
    'a foreign value %p',
    (value) => expect(decodeCookieValue(value)).toEqual({ ok: false, reason: 'foreign' }),
  );

  test.each(['idsync.0.a.1.0.1.x', 'idsync.2.a.1.0.1.x', 'idsync.10'])(
    'another format version %p',
    (value) => expect(decodeCookieValue(value)).toEqual({ ok: false, reason: 'version' }),
  );

  test.each([
    ['a device id out of its rules', ['dev!ce', '1', '0', '1']],
    ['a bad mpid', ['dev', '007', '0', '1']],
    ['logged in without an mpid', ['dev', '', '1', '1']],
    ['a flag other than 0/1', ['dev', '1', 'true', '1']],
    ['a revision with a leading zero', ['dev', '1', '0', '01']],
    ['an unsafe revision', ['dev', '1', '0', '9007199254740993']],
    ['a negative revision', ['dev', '1', '0', '-1']],
  ])('%s, even with a correct checksum', (_, fields) => {
    expect(decodeCookieValue(forged(...fields))).toEqual({ ok: false, reason: 'malformed' });
  });

  test('the forging helper itself makes values that decode', () => {
    expect(decodeCookieValue(forged('dev', '1', '0', '1'))).toEqual({
      ok: true,
      state: { deviceId: 'dev', mpid: '1', isLoggedIn: false, revision: 1 },
    });
  });

  test('arbitrary input never throws', () => {
    let seed = 7;
    const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 1) >>> 0) / 2 ** 32;
    const alphabet = 'idsync.01-_aZ%"\u00e9\u{1f600}';
    const chars = [...alphabet];
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(random() * 40);
      let value = i % 2 ? 'idsync.1.' : '';
      for (let j = 0; j < length; j++) value += chars[Math.floor(random() * chars.length)];
      const result = decodeCookieValue(value);
      expect(typeof result.ok).toBe('boolean');
    }
  });
});

describe('findIdentityCookie', () => {
  const value = encode(STATE);

  test('finds the cookie among others, by exact name', () => {
    const header = `_ga=GA1.2.3; idsync2=${encode({ ...STATE, revision: 99 })}; idsync=${value}`;
    expect(findIdentityCookie(header, 'idsync')).toEqual({ ok: true, state: STATE });
    expect(findIdentityCookie('_ga=GA1.2.3; other=1', 'idsync')).toBeNull();
    expect(findIdentityCookie('', 'idsync')).toBeNull();
  });

  test('of two under one name, the valid one with the higher revision wins', () => {
    const newer = encode({ ...STATE, mpid: '7', revision: 43 });
    expect(findIdentityCookie(`idsync=${value}; idsync=${newer}`, 'idsync')).toEqual(
      decodeCookieValue(newer),
    );
    expect(findIdentityCookie(`idsync=${newer}; idsync=${value}`, 'idsync')).toEqual(
      decodeCookieValue(newer),
    );
    expect(findIdentityCookie(`idsync=junk; idsync=${value}`, 'idsync')).toEqual({
      ok: true,
      state: STATE,
    });
  });

  test('with only invalid ones, the first one says why', () => {
    expect(findIdentityCookie(`idsync=junk; idsync=${value.slice(0, 20)}`, 'idsync')).toEqual({
      ok: false,
      reason: 'foreign',
    });
  });

  test('takes the value as written, unless told how to unwrap it', () => {
    expect(findIdentityCookie(`idsync="${value}"`, 'idsync')).toEqual({
      ok: false,
      reason: 'foreign',
    });
    const unquote = (v: string) => v.slice(1, -1);
    expect(findIdentityCookie(`idsync="${value}"`, 'idsync', unquote)).toEqual({
      ok: true,
      state: STATE,
    });
    expect(findIdentityCookie('idsync', 'idsync')).toBeNull();
  });
});

describe('revisions', () => {
  const stored = { ...STATE, revision: 5 };
  test('the cookie is newer with a higher revision, or the same one naming another user', () => {
    expect(isCookieNewer({ ...stored, revision: 6 }, stored)).toBe(true);
    expect(isCookieNewer({ ...stored, mpid: '9' }, stored)).toBe(true);
    expect(isCookieNewer({ ...stored, isLoggedIn: false }, stored)).toBe(true);
    expect(isCookieNewer({ ...stored, deviceId: 'other' }, stored)).toBe(true);
    expect(isCookieNewer(stored, null)).toBe(true);
    expect(isCookieNewer({ ...stored }, stored)).toBe(false);
    expect(isCookieNewer({ ...stored, revision: 4, mpid: '9' }, stored)).toBe(false);
  });
  test('the next revision is above both the stored one and the one the cookie showed', () => {
    expect(nextRevision(5)).toBe(6);
    expect(nextRevision(5, 9)).toBe(10);
    expect(nextRevision(9, 5)).toBe(10);
    // past the safe range, the encoder refuses rather than write an imprecise revision
    expect(() => encode({ ...STATE, revision: nextRevision(Number.MAX_SAFE_INTEGER) })).toThrow(
      IdentityError,
    );
  });
});

describe('validateExactCookieState (a posted body)', () => {
  test('refuses unknown and prototype-polluting keys', () => {
    expect(() => validateExactCookieState({ ...STATE, email: 'x' }, fail)).toThrow(
      'email: unknown field',
    );
    expect(() =>
      validateExactCookieState(JSON.parse(`{"__proto__":{"x":1},"deviceId":"d"}`), fail),
    ).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  test('returns a copy of the four fields', () => {
    const out = validateExactCookieState({ ...STATE }, fail);
    expect(out).toEqual(STATE);
  });
});
