import { IdentityError } from '../../src';
import { validateAliasRequest } from '../../src/validation/alias';
import { validateIdentities } from '../../src/validation/identities';
import { isMpid } from '../../src/validation/mpid';
import { failWith } from '../../src/validation/plain';

const fail = failWith('validation');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof IdentityError ? error.code : 'not an IdentityError';
  }
  return undefined;
}

describe('isMpid', () => {
  test.each(['0', '1234', '-1', '9223372036854775807', '-9223372036854775808'])('accepts %s', (v) =>
    expect(isMpid(v)).toBe(true),
  );
  test.each(['', '01', '-0', '1.5', '9223372036854775808', '-9223372036854775809', ' 1', 'abc'])(
    'rejects %p',
    (v) => expect(isMpid(v)).toBe(false),
  );
  test('rejects non-strings', () => expect(isMpid(1234)).toBe(false));
});

describe('validateIdentities', () => {
  test('copies known types only, as a fresh object', () => {
    const input = { email: 'a@b.c', customerid: 'X' };
    const out = validateIdentities(input, 'userIdentities', fail);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });
  test('names the field on unknown types and bad values', () => {
    expect(() => validateIdentities({ mail: 'x' }, 'userIdentities', fail)).toThrow(
      'userIdentities.mail: unknown identity type',
    );
    expect(() => validateIdentities({ email: 3 }, 'userIdentities', fail)).toThrow(
      'userIdentities.email must be a non-empty string',
    );
    expect(() => validateIdentities({ email: '' }, 'userIdentities', fail)).toThrow(/email/);
    expect(() => validateIdentities({ email: null }, 'userIdentities', fail)).toThrow(/email/);
  });
  test('null removes only where allowed', () => {
    expect(validateIdentities({ email: null }, 'u', fail, true)).toEqual({ email: null });
  });
  test('rejects prototype-polluting keys, arrays and non-objects', () => {
    const poisoned = JSON.parse('{"__proto__": {"polluted": "yes"}}');
    expect(codeOf(() => validateIdentities(poisoned, 'u', fail))).toBe('validation');
    expect(codeOf(() => validateIdentities([], 'u', fail))).toBe('validation');
    expect(codeOf(() => validateIdentities('email', 'u', fail))).toBe('validation');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateAliasRequest', () => {
  const valid = { sourceMpid: '1234', destinationMpid: '2345', startTime: 10, endTime: 20 };
  test('keeps the known fields', () => {
    expect(validateAliasRequest({ ...valid, scope: 'mpid', extra: 1 }, fail)).toEqual({
      ...valid,
      scope: 'mpid',
    });
  });
  test.each([
    [{ ...valid, destinationMpid: '1234' }, /must differ/],
    [{ ...valid, startTime: 30 }, /startTime must not be after endTime/],
    [{ ...valid, sourceMpid: 'abc' }, /sourceMpid/],
    [{ ...valid, destinationMpid: undefined }, /destinationMpid/],
    [{ ...valid, endTime: '20' }, /endTime/],
    [{ ...valid, scope: 'user' }, /scope/],
    [null, /object/],
  ])('rejects %p', (input, message) => {
    expect(() => validateAliasRequest(input, failWith('bad_request'))).toThrow(message);
    try {
      validateAliasRequest(input, failWith('bad_request'));
    } catch (error) {
      expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
    }
  });
});
