import { createIdentity, IdentityError } from '../../src';
import type { IdentityClient, IdentityOptions } from '../../src/types';
import {
  createFakeBackend,
  freshDbName,
  spyLogger,
  stateOf,
  type FakeBackend,
} from './fake-backend';

/** A client with a current user holding some attributes and consent. */
async function seeded(): Promise<{ client: IdentityClient; backend: FakeBackend; dbName: string }> {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const client = await createIdentity({ backend, dbName, logger: spyLogger() });
  await client.login({ userIdentities: { customerid: 'C', email: 'c@example.com' } });
  await client.currentUser!.setAttributes({ a: 1, list: ['x'] });
  await client.currentUser!.setConsent({ gdpr: { p: { consented: true, timestamp: 1 } } });
  return { client, backend, dbName };
}

/** The state a fresh client reads back from the same database, with no backend call. */
async function reloaded(dbName: string): Promise<unknown> {
  const backend = createFakeBackend();
  const client = await createIdentity({ backend, dbName, logger: spyLogger() });
  expect(backend.calls).toHaveLength(0);
  const state = stateOf(client);
  await client.close();
  return state;
}

async function expectRejectedUnchanged(
  call: (client: IdentityClient) => Promise<unknown>,
  message?: RegExp,
): Promise<void> {
  const { client, backend, dbName } = await seeded();
  const before = stateOf(client);
  const storedBefore = await reloaded(dbName);
  const callsBefore = backend.calls.length;
  const currentBefore = client.currentUser;

  const outcome = call(client);
  await expect(outcome).rejects.toBeInstanceOf(IdentityError);
  await expect(outcome).rejects.toMatchObject({ code: 'validation' });
  if (message) await expect(outcome).rejects.toThrow(message);

  expect(backend.calls).toHaveLength(callsBefore);
  expect(client.currentUser).toBe(currentBefore);
  expect(stateOf(client)).toEqual(before);
  expect(await reloaded(dbName)).toEqual(storedBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  await client.close();
}

const polluted = (key: string, value: unknown): Record<string, unknown> =>
  JSON.parse(`{"${key}": ${JSON.stringify(value)}}`) as Record<string, unknown>;

describe('identity requests: bad input is rejected before any call and changes nothing', () => {
  const methods = ['identify', 'login', 'logout', 'modify'] as const;
  const cases: [string, unknown, RegExp][] = [
    ['unknown identity type', { userIdentities: { mail: 'x' } }, /request\.userIdentities\.mail/],
    ['non-string value', { userIdentities: { email: 42 } }, /request\.userIdentities\.email/],
    ['empty string value', { userIdentities: { email: '' } }, /request\.userIdentities\.email/],
    ['non-object request', 'email', /request must be an object/],
    ['array request', [], /request must be an object/],
    ['null request', null, /request must be an object/],
    ['missing userIdentities', {}, /request\.userIdentities/],
    ['unknown request field', { userIdentities: {}, extra: 1 }, /request\.extra/],
    [
      '__proto__ in identities',
      { userIdentities: polluted('__proto__', { polluted: 'yes' }) },
      /__proto__/,
    ],
    ['constructor in identities', { userIdentities: { constructor: 'x' } }, /constructor/],
    ['__proto__ in the request', polluted('__proto__', { polluted: 'yes' }), /__proto__/],
  ];
  for (const method of methods) {
    test.each(cases)(`${method}: %s`, (_name, request, message) =>
      expectRejectedUnchanged(
        (c) => (c[method] as (r: unknown) => Promise<unknown>)(request),
        message,
      ),
    );
  }

  test.each(['identify', 'login', 'logout'] as const)('%s: null values are for modify only', (m) =>
    expectRejectedUnchanged((c) => c[m]({ userIdentities: { email: null } }), /email/),
  );
  test('login needs a request', () =>
    expectRejectedUnchanged((c) => (c.login as (r?: unknown) => Promise<unknown>)()));
  test('modify needs at least one change', () =>
    expectRejectedUnchanged((c) => c.modify({ userIdentities: {} }), /at least one/));

  test('modify without a current user is a validation error with no backend call', async () => {
    const backend = createFakeBackend();
    const client = await createIdentity({
      backend,
      dbName: freshDbName(),
      identifyOnInit: false,
      logger: spyLogger(),
    });
    await expect(client.modify({ userIdentities: { email: 'e@x.y' } })).rejects.toMatchObject({
      code: 'validation',
    });
    expect(backend.calls).toHaveLength(0);
    await client.close();
  });
});

describe('user writes: bad input is rejected and changes nothing', () => {
  const long = (n: number) => 'x'.repeat(n);
  const attributeCases: [string, (c: IdentityClient) => Promise<unknown>][] = [
    ['empty key', (c) => c.currentUser!.setAttribute('', 1)],
    ['key too long', (c) => c.currentUser!.setAttribute(long(257), 1)],
    ['__proto__ key', (c) => c.currentUser!.setAttribute('__proto__', 1)],
    ['prototype key', (c) => c.currentUser!.setAttribute('prototype', 1)],
    [
      '__proto__ in setAttributes',
      (c) => c.currentUser!.setAttributes(polluted('__proto__', 1) as never),
    ],
    [
      'constructor in setAttributes',
      (c) => c.currentUser!.setAttributes({ constructor: 1 } as never),
    ],
    ['string too long', (c) => c.currentUser!.setAttribute('k', long(4097))],
    ['NaN', (c) => c.currentUser!.setAttribute('k', NaN)],
    ['Infinity', (c) => c.currentUser!.setAttribute('k', Infinity)],
    ['object value', (c) => c.currentUser!.setAttribute('k', { a: 1 } as never)],
    ['undefined value', (c) => c.currentUser!.setAttribute('k', undefined as never)],
    ['list too long', (c) => c.currentUser!.setAttribute('k', Array<string>(1001).fill('a'))],
    ['list item too long', (c) => c.currentUser!.setAttribute('k', [long(513)])],
    ['list of numbers', (c) => c.currentUser!.setAttribute('k', [1] as never)],
    ['sparse list', (c) => c.currentUser!.setAttribute('k', new Array<string>(2))],
    ['non-object setAttributes', (c) => c.currentUser!.setAttributes('x' as never)],
    ['one bad value among good ones', (c) => c.currentUser!.setAttributes({ ok: 1, bad: NaN })],
    [
      'more than 100 attributes in total',
      (c) =>
        c.currentUser!.setAttributes(
          Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`k${i}`, i])),
        ),
    ],
    ['non-string removeAttribute', (c) => c.currentUser!.removeAttribute(1 as never)],
  ];
  test.each(attributeCases)('attributes: %s', (_name, call) => expectRejectedUnchanged(call));

  const ok = { consented: true, timestamp: 1 };
  const consentCases: [string, unknown][] = [
    ['non-object', 'yes'],
    ['unknown top-level key', { gdrp: {} }],
    ['__proto__ at the top', polluted('__proto__', { polluted: 'yes' })],
    ['__proto__ purpose', { gdpr: polluted('__proto__', ok) }],
    ['constructor purpose', { gdpr: { constructor: ok } }],
    ['purpose that trims to a pollution key', { gdpr: { ' Prototype ': ok } }],
    ['empty purpose', { gdpr: { '  ': ok } }],
    ['duplicate purpose after normalising', { gdpr: { Ads: ok, ads: ok } }],
    ['decision not an object', { gdpr: { ads: true } }],
    ['consented not boolean', { gdpr: { ads: { consented: 'yes', timestamp: 1 } } }],
    ['timestamp not finite', { gdpr: { ads: { consented: true, timestamp: NaN } } }],
    ['unknown decision field', { gdpr: { ads: { ...ok, hardware_id: 'x' } } }],
    ['document not a string', { gdpr: { ads: { ...ok, document: 1 } } }],
    ['ccpa unknown purpose', { ccpa: { sale: ok } }],
    ['ccpa missing decision', { ccpa: {} }],
    ['ccpa __proto__', { ccpa: polluted('__proto__', ok) }],
  ];
  test.each(consentCases)('consent: %s', (_name, state) =>
    expectRejectedUnchanged((c) => c.currentUser!.setConsent(state as never)),
  );
});

describe('valid user writes', () => {
  test('persist before they resolve; purposes are trimmed and lower-cased; setConsent replaces', async () => {
    const { client, dbName } = await seeded();
    const user = client.currentUser!;
    await user.setAttribute('k', 'v');
    await user.removeAttribute('a');
    await user.setConsent({ gdpr: { ' Ads ': { consented: false, timestamp: 2, document: 'd' } } });
    const expected = {
      attributes: { list: ['x'], k: 'v' },
      consent: { gdpr: { ads: { consented: false, timestamp: 2, document: 'd' } } },
    };
    expect(client.currentUser).toMatchObject(expected);
    const state = (await reloaded(dbName)) as { currentUser: unknown };
    expect(state.currentUser).toMatchObject(expected);
    await client.close();
  });

  test('a value given is copied: changing the caller list later changes nothing', async () => {
    const { client } = await seeded();
    const list = ['a'];
    await client.currentUser!.setAttribute('l', list);
    list.push('b');
    expect(client.currentUser!.attributes.l).toEqual(['a']);
    await client.close();
  });

  test('concurrent writes are not lost', async () => {
    const { client } = await seeded();
    const user = client.currentUser!;
    await Promise.all([
      user.setAttribute('x', 1),
      user.setAttribute('y', 2),
      user.removeAttribute('a'),
    ]);
    expect(client.currentUser!.attributes).toEqual({ list: ['x'], x: 1, y: 2 });
    await client.close();
  });
});

describe('options', () => {
  const backend = createFakeBackend();
  const cases: [string, unknown][] = [
    ['no options', undefined],
    ['no backend', {}],
    ['backend missing a method', { backend: { ...backend, alias: undefined } }],
    ['empty dbName', { backend, dbName: '' }],
    ['bad storage', { backend, storage: 'localStorage' }],
    ['bad environment', { backend, environment: 'staging' }],
    ['bad identifyOnInit', { backend, identifyOnInit: { userIdentities: { mail: 'x' } } }],
    ['null in identifyOnInit', { backend, identifyOnInit: { userIdentities: { email: null } } }],
    ['identifyOnInit true', { backend, identifyOnInit: true }],
    ['copyOnUserChange non-boolean', { backend, copyOnUserChange: { attributes: 'yes' } }],
    ['copyOnUserChange unknown key', { backend, copyOnUserChange: { identities: true } }],
    ['onUserAlias not a function', { backend, onUserAlias: 1 }],
    ['logger missing a method', { backend, logger: { warn() {}, error() {} } }],
    ['now not a function', { backend, now: 5 }],
  ];
  test.each(cases)('%s → validation', async (_name, options) => {
    await expect(createIdentity(options as IdentityOptions)).rejects.toMatchObject({
      code: 'validation',
    });
    expect(backend.calls).toHaveLength(0);
  });
});
