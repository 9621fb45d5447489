/** @jest-environment node */
import { parseSnapshot } from '../../src/server/import-json';
import type { IdentityType } from '../../src/types';

const UNIQUE = new Set<IdentityType>(['customerid', 'email']);
const FILE = '/data/old-profiles.json';

const profile = (fields: Record<string, unknown> = {}) => ({
  mpid: '42',
  identities: { email: 'a@x.test' },
  isKnown: true,
  createdAt: 1,
  lastSeen: 2,
  activity: [],
  aliasedFrom: [],
  ...fields,
});

const parse = (json: unknown) => parseSnapshot(JSON.stringify(json), FILE, UNIQUE);

test('a file as --data wrote it is read whole', () => {
  const alias = {
    id: 'x',
    request: { sourceMpid: '1', destinationMpid: '42', startTime: 1, endTime: 2 },
    acceptedAt: 3,
    dueAt: 4,
  };
  const best = profile({
    mpid: '-7',
    identities: {},
    additionalIdentities: { other: ['o1', 'o2'] },
  });
  expect(parse({ profiles: [profile(), best], aliases: [alias] })).toEqual({
    profiles: [profile(), best],
    aliases: [alias],
  });
  expect(parse({ profiles: [] })).toEqual({ profiles: [], aliases: [] });
});

test.each([
  ['not JSON', '{"profiles": [', /not valid JSON/],
  ['not an object', '[]', /must hold/],
  ['profiles not an array', '{"profiles": {}}', /"profiles" must be an array/],
  ['identities: null', { profiles: [profile({ identities: null })] }, /profiles\[0\]\.identities/],
  ['identities as an array', { profiles: [profile({ identities: ['a'] })] }, /identities/],
  ['an unknown identity type', { profiles: [profile({ identities: { shoe: '4' } })] }, /shoe/],
  [
    'a duplicate MPID',
    { profiles: [profile(), profile({ identities: {} })] },
    /MPID 42 is listed twice/,
  ],
  ['a bad MPID', { profiles: [profile({ mpid: '12abc' })] }, /profiles\[0\]\.mpid/],
  ['MPID -0', { profiles: [profile({ mpid: '-0' })] }, /mpid/],
  ['MPID 0', { profiles: [profile({ mpid: '0' })] }, /mpid/],
  ['a number MPID', { profiles: [profile({ mpid: 42 })] }, /mpid/],
  ['an MPID beyond 64 bits', { profiles: [profile({ mpid: '9223372036854775808' })] }, /mpid/],
  [
    'a login id on two profiles',
    { profiles: [profile(), profile({ mpid: '43' })] },
    /profiles 42 and 43 both hold email "a@x\.test"/,
  ],
  ['a __proto__ key', '{"profiles":[],"__proto__":{"polluted":1}}', /__proto__/],
  [
    'a __proto__ identity',
    { profiles: [profile({ identities: JSON.parse('{"__proto__":{"x":1}}') })] },
    /__proto__/,
  ],
  ['isKnown missing', { profiles: [profile({ isKnown: undefined })] }, /isKnown/],
  ['a fractional time', { profiles: [profile({ lastSeen: 1.5 })] }, /lastSeen/],
  ['activity not an array', { profiles: [profile({ activity: null })] }, /activity/],
  ['an unknown profile key', { profiles: [profile({ admin: true })] }, /"admin"/],
  [
    'a bad alias',
    { profiles: [], aliases: [{ id: 'x', request: {}, acceptedAt: 1, dueAt: 1 }] },
    /aliases\[0\]\.request/,
  ],
])('%s is refused, naming the file', (_, json, message) => {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  let error: Error | undefined;
  try {
    parseSnapshot(text, FILE, UNIQUE);
  } catch (e) {
    error = e as Error;
  }
  expect(error?.message).toMatch(message);
  expect(error?.message.startsWith(`${FILE}: `)).toBe(true);
  expect(error?.message).toMatch(/nothing was imported$/);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('without unique types (best match) two profiles may share a value', () => {
  const text = JSON.stringify({ profiles: [profile(), profile({ mpid: '43' })] });
  expect(parseSnapshot(text, FILE, new Set()).profiles).toHaveLength(2);
});
