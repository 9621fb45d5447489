/** @jest-environment node */
/**
 * The IDSync v1 codec, both directions (docs/wire-format.md): what the
 * client's half writes, the server's half reads back to the same request;
 * what the server's half answers, the client's half reads back to the same
 * response. Plus the rules both halves share: one MPID rule, one list of
 * refused keys, one SDK version.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HttpBackend } from '../../src/backends/http/http-backend';
import { LocalResolver } from '../../src/backends/local/local-resolver';
import { IdentityError } from '../../src/errors';
import {
  aliasBody,
  errorForStatus,
  errorMessages,
  identityBody,
  modifyBody,
  parseIdentityAnswer,
} from '../../src/idsync-v1/client';
import {
  errorBody,
  identityAnswer,
  modifyAnswer,
  parseAliasRequest,
  parseIdentityRequest,
  parseModifyRequest,
} from '../../src/idsync-v1/server';
import { createIdsyncServer } from '../../src/server/server';
import { pagesFromList } from '../../src/server/profile-pages';
import type { AliasRequest, BackendRequest, BackendResponse, ModifyRequest } from '../../src/types';
import { isMpid } from '../../src/validation/mpid';
import { json, scriptedFetch } from '../http/helpers';

const NOW = 1_700_000_000_000;
const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(resolve(__dirname, '../../package.json'), 'utf8'),
).version;

/** What goes over the wire: JSON text, parsed again, as a server receives it. */
const overTheWire = (body: unknown): unknown => JSON.parse(JSON.stringify(body));

function thrown(run: () => unknown): IdentityError {
  try {
    run();
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('expected an IdentityError');
}

describe('requests: the client writes, the server reads back the same request', () => {
  test.each<[string, BackendRequest]>([
    [
      'a known user with an earlier MPID',
      {
        knownIdentities: { customerid: 'ABC123', email: 'a@x.test', other2: 'o2' },
        previousMpid: '-9223372036854775808',
        environment: 'development',
        requestTimestampMs: NOW,
      },
    ],
    [
      'a first visit',
      {
        knownIdentities: { device_application_stamp: 'dev-1' },
        previousMpid: null,
        environment: 'production',
        requestTimestampMs: NOW,
      },
    ],
  ])('identify / login / logout: %s', (_, request) => {
    const body = overTheWire(identityBody(request, 'req-1', 'ctx'));
    expect(parseIdentityRequest(body, 0)).toEqual(request);
  });

  test('modify, with a removal', () => {
    const request: ModifyRequest = {
      identityChanges: [
        { identityType: 'email', oldValue: 'old@x.test', newValue: 'new@x.test' },
        { identityType: 'other10', oldValue: 'x', newValue: null },
      ],
      environment: 'development',
      requestTimestampMs: NOW,
    };
    expect(parseModifyRequest(overTheWire(modifyBody(request, 'req-2')), 0)).toEqual(request);
  });

  test.each<[string, AliasRequest]>([
    [
      'with a scope',
      { sourceMpid: '1', destinationMpid: '-2', startTime: 1, endTime: 2, scope: 'mpid' },
    ],
    ['without a scope', { sourceMpid: '10', destinationMpid: '20', startTime: 5, endTime: 9 }],
  ])('alias %s', (_, request) => {
    const envelope = {
      apiKey: 'k',
      requestId: 'r',
      environment: 'production' as const,
      deviceId: 'd',
    };
    const body = overTheWire(aliasBody(request, envelope));
    expect(parseAliasRequest(body)).toEqual(request);
    expect(body).toMatchObject({ api_key: 'k', data: { device_application_stamp: 'd' } });
  });

  test('client_sdk.sdk_version is the version in package.json', () => {
    const request = parseIdentityRequest({}, NOW);
    expect(identityBody(request, 'r', null).client_sdk.sdk_version).toBe(PACKAGE_VERSION);
    expect(modifyBody({ ...request, identityChanges: [] }, 'r').client_sdk).toEqual({
      platform: 'web',
      sdk_vendor: 'idsync-web',
      sdk_version: PACKAGE_VERSION,
    });
  });

  test('both halves read the other_id_N spelling of other IDSync clients', () => {
    const request = parseIdentityRequest({ known_identities: { other_id_3: 'x' } }, NOW);
    expect(request.knownIdentities).toEqual({ other3: 'x' });
    const answer = parseIdentityAnswer(200, { mpid: '5', matched_identities: { other_id_4: 'y' } });
    expect(answer.matchedIdentities).toEqual({ other4: 'y' });
  });
});

describe('answers: the server writes, the client reads back the same response', () => {
  const response: BackendResponse = {
    httpCode: 200,
    mpid: '9223372036854775807',
    isLoggedIn: true,
    matchedIdentities: { customerid: 'ABC123', ios_idfv: '9876' },
    context: 'from-backend',
    isEphemeral: false,
  };

  test('identify / login / logout', () => {
    const body = overTheWire(identityAnswer(response, 'server-ctx'));
    expect(parseIdentityAnswer(200, body)).toEqual(response);
  });

  test('a backend without a context gets the server context', () => {
    const body = overTheWire(identityAnswer({ ...response, context: null }, 'server-ctx'));
    expect(parseIdentityAnswer(200, body).context).toBe('server-ctx');
  });

  test('modify: our server adds the identity fields to change_results', () => {
    const request: ModifyRequest = {
      identityChanges: [{ identityType: 'email', oldValue: null, newValue: 'a@x.test' }],
      environment: 'production',
      requestTimestampMs: NOW,
    };
    const body = overTheWire(modifyAnswer(request, response, 'c'));
    expect(body).toMatchObject({
      change_results: [{ identity_type: 'email', modified_mpid: response.mpid }],
    });
    expect(parseIdentityAnswer(200, body, response.mpid)).toEqual(response);
  });

  test('a plain IDSync modify answer (change_results only) keeps the MPID sent', () => {
    const body = { change_results: [{ identity_type: 'email', modified_mpid: '77' }] };
    expect(parseIdentityAnswer(200, body, '77')).toEqual({
      httpCode: 200,
      mpid: '77',
      isLoggedIn: false,
      matchedIdentities: {},
    });
  });

  test('errors, in the form the server writes and the capitalised form', () => {
    expect(errorMessages(overTheWire(errorBody('bad_request', 'no')))).toEqual(['bad_request: no']);
    expect(errorMessages({ Errors: [{ Code: 'X', Message: 'capitalised' }] })).toEqual([
      'X: capitalised',
    ]);
    const error = errorForStatus(400, errorBody('bad_request', 'previous_mpid'), null, NOW);
    expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
    expect(error.message).toMatch(/previous_mpid/);
  });
});

describe('one MPID rule on every path', () => {
  // `-0` was accepted by the client's answer parsing and refused by isMpid.
  const NOT_MPIDS = ['-0', '007', '+7', '9223372036854775808', '-9223372036854775809', '1.0', ''];

  test.each(NOT_MPIDS)('%j is not an MPID anywhere', (mpid) => {
    expect(isMpid(mpid)).toBe(false);
    // the client reading an answer
    expect(thrown(() => parseIdentityAnswer(200, { mpid }))).toMatchObject({
      code: 'server',
      httpCode: 200,
    });
    expect(thrown(() => parseIdentityAnswer(200, {}, mpid))).toMatchObject({ code: 'server' });
    // the server reading requests
    const asPrevious = thrown(() => parseIdentityRequest({ previous_mpid: mpid }, NOW));
    expect(asPrevious).toMatchObject({ code: 'bad_request', httpCode: 400 });
    expect(asPrevious.message).toMatch(/previous_mpid/);
    const alias = {
      source_mpid: mpid,
      destination_mpid: '2',
      start_unixtime_ms: 1,
      end_unixtime_ms: 2,
    };
    expect(thrown(() => parseAliasRequest({ data: alias }))).toMatchObject({ code: 'bad_request' });
  });

  test.each(['0', '-1', '9223372036854775807', '-9223372036854775808'])(
    '%j is an MPID everywhere',
    (mpid) => {
      expect(isMpid(mpid)).toBe(true);
      expect(parseIdentityAnswer(200, { mpid }).mpid).toBe(mpid);
      expect(parseIdentityRequest({ previous_mpid: mpid }, NOW).previousMpid).toBe(mpid);
    },
  );

  test('HttpBackend refuses an answer naming MPID -0', async () => {
    const { fetch } = scriptedFetch(json(200, { mpid: '-0', is_logged_in: false }));
    const backend = new HttpBackend({
      baseUrl: 'https://id.test/v1',
      apiKey: 'k',
      fetch,
      retry: false,
    });
    await expect(
      backend.identify({
        knownIdentities: {},
        previousMpid: null,
        environment: 'production',
        requestTimestampMs: NOW,
      }),
    ).rejects.toMatchObject({ code: 'server', httpCode: 200 });
  });

  test('the server answers 400 to previous_mpid -0 and creates no profile', async () => {
    const resolver = new LocalResolver({ dbName: false });
    const server = createIdsyncServer({
      backend: resolver,
      profiles: pagesFromList(() => resolver.profiles()),
    });
    const { url } = await server.listen(0);
    try {
      const backend = new HttpBackend({ baseUrl: url, apiKey: 'k', retry: false });
      const request: BackendRequest = {
        knownIdentities: { email: 'a@x.test' },
        previousMpid: '-0',
        environment: 'production',
        requestTimestampMs: NOW,
      };
      const error = await backend.login(request).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
      expect((error as Error).message).toMatch(/previous_mpid/);
      expect(await resolver.profiles()).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('one list of refused keys', () => {
  const REFUSED = ['__proto__', 'constructor', 'prototype'];
  const withKey = (key: string, inner: string) => JSON.parse(`{${inner}"${key}":{"polluted":1}}`);

  test.each(REFUSED)('the server refuses %s anywhere in a request body', (key) => {
    const bodies: [() => unknown, RegExp][] = [
      [() => parseIdentityRequest(withKey(key, ''), NOW), /request body/],
      [
        () => parseIdentityRequest({ known_identities: withKey(key, '"email":"a@x",') }, NOW),
        /known_identities/,
      ],
      [
        () =>
          parseModifyRequest(
            { identity_changes: [withKey(key, '"identity_type":"email","new_value":"a",')] },
            NOW,
          ),
        /identity_changes\[0\]/,
      ],
      [
        () =>
          parseAliasRequest({
            data: withKey(
              key,
              '"source_mpid":"1","destination_mpid":"2","start_unixtime_ms":1,"end_unixtime_ms":2,',
            ),
          }),
        /data/,
      ],
    ];
    for (const [parse, field] of bodies) {
      const error = thrown(parse);
      expect(error).toMatchObject({ code: 'bad_request', httpCode: 400 });
      expect(error.message).toMatch(field);
      expect(error.message).toContain(key);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each(REFUSED)('the client ignores %s in matched_identities', (key) => {
    const body = { mpid: '5', matched_identities: withKey(key, '"email":"a@x",') };
    expect(parseIdentityAnswer(200, overTheWire(body)).matchedIdentities).toEqual({ email: 'a@x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
