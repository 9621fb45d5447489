import { HttpBackend, type HttpBackendOptions } from '../../src/backends/http/http-backend';
import { IdentityError } from '../../src/errors';
import { IDENTITY_RETRY } from '../../src/retry';
import { answer, json, ok, recordingSleep, request, scriptedFetch, type Reply } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function backend(replies: Reply[], options: Partial<HttpBackendOptions> = {}) {
  const { fetch, calls } = scriptedFetch(...replies);
  const { sleep, delays } = recordingSleep();
  const http = new HttpBackend({
    baseUrl: 'https://id.example.test/v1/',
    apiKey: 'key-1',
    fetch,
    sleep,
    random: () => 0.5,
    ...options,
  });
  return { http, calls, delays };
}

async function failure(promise: Promise<unknown>): Promise<IdentityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdentityError);
  return error as IdentityError;
}

describe('requests in the IDSync v1 shapes', () => {
  test('identify/login/logout post snake_case bodies with x-mp-key and a fresh request_id', async () => {
    const { http, calls } = backend([ok('1234', { is_logged_in: true })]);
    const req = request({
      knownIdentities: { email: 'a@example.com', device_application_stamp: 'dev-1' },
      previousMpid: '99',
    });
    const response = await http.login(req);
    await http.identify(req);
    await http.logout(req);

    expect(calls.map((c) => c.url)).toEqual([
      'https://id.example.test/v1/login',
      'https://id.example.test/v1/identify',
      'https://id.example.test/v1/logout',
    ]);
    const [first] = calls;
    expect(first!.init.method).toBe('POST');
    expect(first!.init.keepalive).toBe(false);
    expect(first!.init.headers).toEqual({
      'content-type': 'application/json',
      'x-mp-key': 'key-1',
    });
    expect(first!.body).toEqual({
      client_sdk: { platform: 'web', sdk_vendor: 'idsync-web', sdk_version: expect.any(String) },
      environment: 'development',
      request_id: expect.stringMatching(UUID),
      request_timestamp_ms: 1_700_000_000_000,
      previous_mpid: '99',
      known_identities: { email: 'a@example.com', device_application_stamp: 'dev-1' },
      context: null,
    });
    expect(new Set(calls.map((c) => c.body.request_id)).size).toBe(3);
    expect(response).toEqual({
      httpCode: 200,
      mpid: '1234',
      isLoggedIn: true,
      matchedIdentities: {},
      context: null,
    });
  });

  test('maps the success body, keeping only known identity types with string values', async () => {
    const text =
      '{"mpid":"-42","is_ephemeral":false,"matched_identities":' +
      '{"email":"a@x.test","shoe_size":"42","customerid":7,"__proto__":{"polluted":"yes"}}}';
    const { http } = backend([answer(200, text)]);
    const response = await http.identify(request());
    expect(response.mpid).toBe('-42');
    expect(response.isEphemeral).toBe(false);
    expect(response.matchedIdentities).toEqual({ email: 'a@x.test' });
    expect(Object.getPrototypeOf(response.matchedIdentities)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('sends the context it is given with each call, and keeps none between calls', async () => {
    const { http, calls } = backend([
      ok('1', { context: 'c-1' }),
      ok('1', { context: 'c-2' }),
      ok('1'),
    ]);
    const ctx = { environment: 'development' as const, deviceId: 'dev-1' };
    const first = await http.identify(request(), { ...ctx, context: 'from-the-client' });
    await http.login(request(), { ...ctx, context: null });
    await http.logout(request()); // no context at all: none is sent
    expect(calls.map((c) => c.body.context)).toEqual(['from-the-client', null, null]);
    // The service's context goes back to the client, which persists it.
    expect(first.context).toBe('c-1');
  });

  test('modify posts identity_changes to {mpid}/modify and answers with the sent mpid', async () => {
    const { http, calls } = backend([
      json(200, { change_results: [{ identity_type: 'email', modified_mpid: '77' }] }),
    ]);
    const response = await http.modify('77', {
      identityChanges: [
        { identityType: 'email', oldValue: 'a@x.test', newValue: 'b@x.test' },
        { identityType: 'customerid', oldValue: 'c1', newValue: null },
      ],
      environment: 'production',
      requestTimestampMs: 5,
    });
    expect(calls[0]!.url).toBe('https://id.example.test/v1/77/modify');
    expect(calls[0]!.init.headers).toMatchObject({ 'x-mp-key': 'key-1' });
    expect(calls[0]!.body).toEqual({
      client_sdk: expect.any(Object),
      environment: 'production',
      request_id: expect.stringMatching(UUID),
      request_timestamp_ms: 5,
      identity_changes: [
        { identity_type: 'email', old_value: 'a@x.test', new_value: 'b@x.test' },
        { identity_type: 'customerid', old_value: 'c1', new_value: null },
      ],
    });
    expect(response).toEqual({
      httpCode: 200,
      mpid: '77',
      isLoggedIn: false,
      matchedIdentities: {},
    });
  });

  test('modify uses mpid / is_logged_in / matched_identities when the answer has them', async () => {
    const { http } = backend([
      json(200, {
        change_results: [],
        mpid: '77',
        is_logged_in: true,
        matched_identities: { email: 'b@x.test' },
      }),
    ]);
    const response = await http.modify('77', {
      identityChanges: [],
      environment: 'production',
      requestTimestampMs: 5,
    });
    expect(response).toMatchObject({
      mpid: '77',
      isLoggedIn: true,
      matchedIdentities: { email: 'b@x.test' },
    });
  });

  test('alias goes to {aliasUrl}/identity/{key}/Alias with keepalive, the key in the body, no x-mp-key', async () => {
    const { http, calls } = backend([answer(202, '')], {
      aliasUrl: 'https://alias.example.test/v1',
    });
    const result = await http.alias(
      { sourceMpid: '1', destinationMpid: '2', startTime: 10, endTime: 20, scope: 'device' },
      { environment: 'development', deviceId: 'dev-1', context: 'c-1' },
    );
    expect(result).toEqual({ httpCode: 202 });
    const call = calls[0]!;
    expect(call.url).toBe('https://alias.example.test/v1/identity/key-1/Alias');
    expect(call.init.keepalive).toBe(true);
    expect(call.init.headers).toEqual({ 'content-type': 'application/json' });
    expect(call.body).toEqual({
      request_type: 'alias',
      request_id: expect.stringMatching(UUID),
      environment: 'development',
      api_key: 'key-1',
      data: {
        source_mpid: '1',
        destination_mpid: '2',
        start_unixtime_ms: 10,
        end_unixtime_ms: 20,
        scope: 'device',
        device_application_stamp: 'dev-1',
      },
    });
  });

  test('alias accepts 200 as success too', async () => {
    const { http } = backend([answer(200, '')]);
    const result = await http.alias({
      sourceMpid: '1',
      destinationMpid: '2',
      startTime: 1,
      endTime: 2,
    });
    expect(result).toEqual({ httpCode: 200 });
  });

  test('rejects bad options with a validation error', () => {
    expect(() => new HttpBackend({ baseUrl: '', apiKey: 'k' })).toThrow(IdentityError);
    expect(() => new HttpBackend({ baseUrl: 'https://x', apiKey: '' })).toThrow(IdentityError);
    expect(() => new HttpBackend({ baseUrl: 'https://x', apiKey: 'k', timeoutMs: 0 })).toThrow(
      IdentityError,
    );
  });
});

describe('answers mapped to IdentityError codes', () => {
  test.each([
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'bad_request'],
    [429, 'rate_limited'],
    [500, 'server'],
    [503, 'server'],
  ])('%i → %s', async (status, code) => {
    const { http } = backend([json(status, {})], { retry: false });
    const error = await failure(http.identify(request()));
    expect(error.code).toBe(code);
    expect(error.httpCode).toBe(status);
  });

  test('400 carries the service messages, from `errors` or `Errors`', async () => {
    const lower = backend([
      json(400, { errors: [{ code: 'LOOKUP_ERROR', message: 'no such type' }] }),
    ]);
    expect((await failure(lower.http.identify(request()))).message).toContain(
      'LOOKUP_ERROR: no such type',
    );
    const upper = backend([json(400, { Errors: [{ code: 'X', message: 'capitalised' }] })]);
    expect((await failure(upper.http.identify(request()))).message).toContain('capitalised');
  });

  test('429 carries retryAfterMs from Retry-After (seconds or HTTP date)', async () => {
    const seconds = backend([json(429, {}, { 'Retry-After': '7' })], { retry: false });
    expect((await failure(seconds.http.identify(request()))).retryAfterMs).toBe(7000);
    const date = new Date(Date.now() + 60_000).toUTCString();
    const dated = backend([json(429, {}, { 'Retry-After': date })], { retry: false });
    const ms = (await failure(dated.http.identify(request()))).retryAfterMs!;
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  test('a fetch failure is `network`, with the cause kept', async () => {
    const cause = new TypeError('Failed to fetch');
    const { http } = backend([cause], { retry: false });
    const error = await failure(http.identify(request()));
    expect(error.code).toBe('network');
    expect(error.cause).toBe(cause);
  });

  test.each([
    ['no mpid', JSON.stringify({ is_logged_in: true })],
    ['a number mpid', JSON.stringify({ mpid: 12 })],
    ['not JSON', '<html>'],
    ['empty', ''],
    ['an array', '[]'],
  ])('a 200 with %s is a `server` error, never a user, and is not retried', async (_, text) => {
    const { http, calls } = backend([answer(200, text)]);
    const error = await failure(http.identify(request()));
    expect(error.code).toBe('server');
    expect(error.httpCode).toBe(200);
    expect(calls).toHaveLength(1);
  });
});

describe('timeouts', () => {
  afterEach(() => jest.useRealTimers());

  test('no answer within timeoutMs aborts the request: `timeout`', async () => {
    jest.useFakeTimers();
    const { http, calls } = backend(['hang'], { timeoutMs: 1000, retry: false });
    const pending = failure(http.identify(request()));
    await jest.advanceTimersByTimeAsync(999);
    expect(calls[0]!.init.signal!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error.code).toBe('timeout');
    expect(calls[0]!.init.signal!.aborted).toBe(true);
  });

  test('the default timeout is 10 s', async () => {
    jest.useFakeTimers();
    const { http, calls } = backend(['hang'], { retry: false });
    const pending = failure(http.identify(request()));
    await jest.advanceTimersByTimeAsync(9_999);
    expect(calls[0]!.init.signal!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((await pending).code).toBe('timeout');
  });
});

describe('retries', () => {
  test('503 is retried with full-jitter backoff, then succeeds', async () => {
    const { http, calls, delays } = backend([json(503, {}), json(503, {}), ok('5')]);
    const response = await http.identify(request());
    expect(response.mpid).toBe('5');
    expect(calls).toHaveLength(3);
    // random() = 0.5 of the ceilings 250 and 500 (IDENTITY_RETRY: base 250)
    expect(delays).toEqual([125, 250]);
    // one request, tried three times: the same request_id
    expect(new Set(calls.map((c) => c.body.request_id)).size).toBe(1);
  });

  test('identity calls give up after 3 attempts with the last error', async () => {
    const { http, calls, delays } = backend([json(503, {})]);
    const error = await failure(http.identify(request()));
    expect(error.code).toBe('server');
    expect(calls).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  test('network errors and timeouts are retried', async () => {
    const { http, calls } = backend([new TypeError('offline'), ok('6')]);
    expect((await http.identify(request())).mpid).toBe('6');
    expect(calls).toHaveLength(2);

    const hanging = backend(['hang', ok('7')], { timeoutMs: 5 });
    expect((await hanging.http.identify(request())).mpid).toBe('7');
    expect(hanging.calls).toHaveLength(2);
  });

  test('429 waits at least Retry-After', async () => {
    const { http, calls, delays } = backend([json(429, {}, { 'Retry-After': '1' }), ok('8')]);
    expect((await http.identify(request())).mpid).toBe('8');
    expect(calls).toHaveLength(2);
    expect(delays).toEqual([1000]);
  });

  test('an identity call does not wait for a Retry-After longer than its cap', async () => {
    const { http, calls, delays } = backend([json(429, {}, { 'Retry-After': '30' }), ok('8')]);
    const error = await failure(http.identify(request()));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  test.each([400, 401, 403, 404])('%i is never retried', async (status) => {
    const { http, calls } = backend([json(status, {}), ok('9')]);
    await failure(http.identify(request()));
    expect(calls).toHaveLength(1);
  });

  test('alias retries briefly, like an identity call: the outbox above it is the patient one', async () => {
    const { http, calls, delays } = backend([json(503, {}), answer(202, '')]);
    const alias = { sourceMpid: '1', destinationMpid: '2', startTime: 1, endTime: 2 };
    expect(await http.alias(alias)).toEqual({ httpCode: 202 });
    expect(calls).toHaveLength(2);
    expect(delays).toEqual([125]);

    const failing = backend([json(503, {})]);
    await failure(failing.http.alias(alias));
    expect(failing.calls).toHaveLength(IDENTITY_RETRY.attempts);

    // A Retry-After beyond the cap goes back to the caller (the outbox waits it out).
    const limited = backend([json(429, {}, { 'Retry-After': '30' }), answer(202, '')]);
    const error = await failure(limited.http.alias(alias));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
    expect(limited.calls).toHaveLength(1);
  });

  test('the retry option overrides fields; false means one try', async () => {
    const tuned = backend([json(503, {})], { retry: { attempts: 5, baseDelayMs: 10 } });
    await failure(tuned.http.identify(request()));
    expect(tuned.calls).toHaveLength(5);
    expect(tuned.delays).toEqual([5, 10, 20, 40]);

    const none = backend([json(503, {})], { retry: false });
    await failure(
      none.http.alias({ sourceMpid: '1', destinationMpid: '2', startTime: 1, endTime: 2 }),
    );
    expect(none.calls).toHaveLength(1);
  });
});

describe('request_id', () => {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
  afterEach(() => Object.defineProperty(globalThis, 'crypto', original));

  test('is a v4 UUID from getRandomValues where randomUUID is missing (insecure contexts)', async () => {
    const real = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', {
      value: { getRandomValues: real.getRandomValues.bind(real) },
      configurable: true,
    });
    const { http, calls } = backend([ok('1')]);
    await http.identify(request());
    await http.identify(request());
    const [a, b] = calls.map((c) => c.body.request_id);
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });
});
