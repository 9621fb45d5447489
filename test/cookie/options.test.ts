import { IdentityError } from '../../src';
import { checkSecureRules, normaliseCookieOptions } from '../../src/cookie/options';
import { failWith } from '../../src/validation/plain';

const normalise = (value: unknown) => normaliseCookieOptions(value, failWith('validation'));

function errorOf(value: unknown): IdentityError {
  try {
    normalise(value);
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('no error');
}

test('defaults: auto domain, "idsync", 395 days, Lax, secure decided by the page', () => {
  expect(normalise({})).toEqual({
    domain: null,
    name: 'idsync',
    maxAgeSeconds: 395 * 86400,
    sameSite: 'Lax',
    secure: undefined,
    refreshUrl: null,
  });
});

test('keeps what is given; a domain is lower-cased without its leading dot', () => {
  expect(
    normalise({
      domain: '.Example.CO.uk',
      name: 'who.am_i~2',
      maxAgeDays: 30.5,
      sameSite: 'None',
      secure: true,
      refreshUrl: '/idsync/cookie',
    }),
  ).toEqual({
    domain: 'example.co.uk',
    name: 'who.am_i~2',
    maxAgeSeconds: 30.5 * 86400,
    sameSite: 'None',
    secure: true,
    refreshUrl: '/idsync/cookie',
  });
});

test.each([
  ['not an object', true, 'cookie must be'],
  ['an unknown option', { domian: 'x.com' }, 'cookie.domian'],
  ['a polluting key', JSON.parse('{"__proto__":{}}'), 'cookie: key "__proto__"'],
  ['a domain that is no domain', { domain: 'exa mple.com' }, 'cookie.domain'],
  ['a domain of a wrong type', { domain: 3 }, 'cookie.domain'],
  ['a URL as domain', { domain: 'https://example.com' }, 'cookie.domain'],
  ['an empty name', { name: '' }, 'cookie.name'],
  ['a name of a wrong type', { name: ['idsync'] }, 'cookie.name'],
  ['a name with a separator', { name: 'id;sync' }, 'cookie.name'],
  ['a name of 65 characters', { name: 'n'.repeat(65) }, 'cookie.name'],
  ['0 days', { maxAgeDays: 0 }, 'cookie.maxAgeDays'],
  ['a negative age', { maxAgeDays: -1 }, 'cookie.maxAgeDays'],
  ['more days than browsers keep', { maxAgeDays: 401 }, 'cookie.maxAgeDays'],
  ['NaN days', { maxAgeDays: NaN }, 'cookie.maxAgeDays'],
  ['days as a string', { maxAgeDays: '395' }, 'cookie.maxAgeDays'],
  ['a lower-case sameSite', { sameSite: 'lax' }, 'cookie.sameSite'],
  ['secure as a string', { secure: 'yes' }, 'cookie.secure'],
  ['an empty refreshUrl', { refreshUrl: '' }, 'cookie.refreshUrl'],
  ['a __Host- name (host-only: no sharing with subdomains)', { name: '__Host-id' }, 'cookie.name'],
  ['a __Secure- name', { name: '__Secure-id' }, 'cookie.name'],
])('%s: a validation error naming the field', (_, value, field) => {
  const error = errorOf(value);
  expect(error.code).toBe('validation');
  expect(error.message).toContain(field);
});

test('SameSite=None needs Secure, once secure is decided', () => {
  const fail = failWith('validation');
  const none = normalise({ sameSite: 'None' });
  expect(() => checkSecureRules(none, false, fail)).toThrow('cookie.secure');
  expect(() => checkSecureRules(none, true, fail)).not.toThrow();
  expect(() => checkSecureRules(none, undefined, fail)).not.toThrow();
  expect(() => checkSecureRules(normalise({}), false, fail)).not.toThrow();
});
