import { IdentityError } from '../../src';
import { validateBootstrap } from '../../src/validation/bootstrap';

test('returns a copy holding the fields given, identities copied', () => {
  const input = {
    deviceId: '3f1c2a9e-8b7d-4c1e-9a2b-5d6e7f8a9b0c',
    mpid: '-123',
    isLoggedIn: true,
    userIdentities: { customerid: 'ABC123', email: 'h.jekyll@example.com' },
  };
  const out = validateBootstrap(input);
  expect(out).toEqual(input);
  expect(out).not.toBe(input);
  expect(out.userIdentities).not.toBe(input.userIdentities);
  expect(validateBootstrap({})).toEqual({});
  expect(validateBootstrap({ deviceId: 'd' })).toEqual({ deviceId: 'd' });
  // the server-side reading of a cookie with no user yet
  expect(validateBootstrap({ deviceId: 'd', mpid: undefined, isLoggedIn: false })).toEqual({
    deviceId: 'd',
    isLoggedIn: false,
  });
  expect(Object.keys(validateBootstrap({ mpid: '1', isLoggedIn: undefined }))).toEqual(['mpid']);
});

test.each([
  ['not an object', null, 'bootstrap must be an object'],
  ['an array', [], 'bootstrap must be an object'],
  ['an unknown field', { mpid: '1', revision: 3 }, 'bootstrap.revision: unknown field'],
  ['a polluting key', JSON.parse('{"__proto__":{"x":1}}'), 'bootstrap: key "__proto__"'],
  ['a device id with a dot', { deviceId: 'a.b' }, 'bootstrap.deviceId'],
  ['a too long device id', { deviceId: 'd'.repeat(65) }, 'bootstrap.deviceId'],
  ['a numeric device id', { deviceId: 12 }, 'bootstrap.deviceId'],
  ['a numeric mpid', { mpid: 123 }, 'bootstrap.mpid'],
  ['an out-of-range mpid', { mpid: '9223372036854775808' }, 'bootstrap.mpid'],
  ['a null mpid', { mpid: null }, 'bootstrap.mpid'],
  ['a string flag', { mpid: '1', isLoggedIn: 'true' }, 'bootstrap.isLoggedIn'],
  ['logged in without an mpid', { isLoggedIn: true }, 'bootstrap.isLoggedIn needs'],
  ['identities without an mpid', { userIdentities: {} }, 'bootstrap.userIdentities needs'],
  [
    'an unknown identity type',
    { mpid: '1', userIdentities: { mail: 'x' } },
    'bootstrap.userIdentities.mail',
  ],
  [
    'an empty identity',
    { mpid: '1', userIdentities: { email: '' } },
    'bootstrap.userIdentities.email',
  ],
  [
    'a null identity',
    { mpid: '1', userIdentities: { email: null } },
    'bootstrap.userIdentities.email',
  ],
])('%s: a validation error naming the field', (_, value, message) => {
  let error: unknown;
  try {
    validateBootstrap(value);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(IdentityError);
  expect((error as IdentityError).code).toBe('validation');
  expect((error as IdentityError).message).toContain(message);
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});
