/** @jest-environment node */
import { request as httpRequest } from 'node:http';
import { HttpBackend, type HttpBackendOptions } from '../../src/backends/http/http-backend';
import { IdentityError } from '../../src/errors';
import { createIdsyncServer, type IdsyncServerOptions } from '../../src/server/server';
import type { BackendRequest } from '../../src/types';
import { fakeBackend } from './fake-backend';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: Partial<IdsyncServerOptions> = {}) {
  const fake = fakeBackend();
  const lines: string[] = [];
  const server = createIdsyncServer({
    backend: fake.backend,
    profiles: fake.profiles,
    log: (line) => lines.push(line),
    ...options,
  });
  running.push(server);
  const { url, port } = await server.listen(0);
  /** API requests the server answered (faults included) */
  const answered = () => lines.filter((l) => /^POST /.test(l)).length;
  return { ...fake, server, url, port, lines, answered };
}

function client(url: string, options: Partial<HttpBackendOptions> = {}) {
  const delays: number[] = [];
  const http = new HttpBackend({
    baseUrl: url,
    apiKey: 'key-1',
    sleep: async (ms) => void delays.push(ms),
    random: () => 0.5,
    ...options,
  });
  return { http, delays };
}

const req: BackendRequest = {
  knownIdentities: { email: 'a@x.test', device_application_stamp: 'dev-1' },
  previousMpid: '42',
  environment: 'development',
  requestTimestampMs: 1_700_000_000_000,
};

async function failure(promise: Promise<unknown>): Promise<IdentityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdentityError);
  return error as IdentityError;
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('IDSync v1 over real HTTP', () => {
  test('identify/login/logout reach the backend as the BackendRequest that was sent', async () => {
    const { url, calls } = await start();
    const { http } = client(url);
    const response = await http.login(req);
    await http.identify(req);
    await http.logout(req);
    expect(response).toMatchObject({ httpCode: 200, mpid: '1234', isLoggedIn: true });
    expect(typeof response.context).toBe('string');
    expect(calls.map((c) => c.method)).toEqual(['login', 'identify', 'logout']);
    for (const call of calls) expect(call.args).toEqual([req]);
  });

  test('modify and alias round-trip', async () => {
    const { url, calls } = await start();
    const { http } = client(url);
    const modify = {
      identityChanges: [{ identityType: 'email' as const, oldValue: 'a@x.test', newValue: null }],
      environment: 'production' as const,
      requestTimestampMs: 7,
    };
    expect(await http.modify('1234', modify)).toMatchObject({ httpCode: 200, mpid: '1234' });
    const alias = { sourceMpid: '1', destinationMpid: '2', startTime: 1, endTime: 2 };
    expect(await http.alias(alias)).toEqual({ httpCode: 202 });
    expect(calls).toEqual([
      { method: 'modify', args: ['1234', modify] },
      { method: 'alias', args: [alias] },
    ]);
  });

  test('the modify answer carries change_results and the identity fields', async () => {
    const { url } = await start();
    const res = await post(
      `${url}/1234/modify`,
      JSON.stringify({
        identity_changes: [{ identity_type: 'email', old_value: null, new_value: 'b@x.test' }],
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      change_results: [{ identity_type: 'email', modified_mpid: '1234' }],
      mpid: '1234',
      is_logged_in: false,
      matched_identities: {},
    });
  });

  test('accepts extra fields, null identities and the other_id_N spelling of other IDSync clients', async () => {
    const { url, calls } = await start();
    const res = await post(
      `${url}/identify`,
      JSON.stringify({
        client_sdk: { platform: 'web', sdk_vendor: 'someone-else', sdk_version: '9' },
        environment: 'production',
        request_id: 'r',
        request_timestamp_ms: 5,
        previous_mpid: null,
        known_identities: { email: 'a@x.test', other_id_2: 'o2', customerid: null },
        context: null,
        something_new: { nested: true },
      }),
    );
    expect(res.status).toBe(200);
    expect(calls[0]!.args[0]).toEqual({
      knownIdentities: { email: 'a@x.test', other2: 'o2' },
      previousMpid: null,
      environment: 'production',
      requestTimestampMs: 5,
    });
  });

  test('alias path matches case-insensitively; its key is checked when the server has one', async () => {
    const { url, calls } = await start({ apiKey: 'key-1' });
    const body = JSON.stringify({
      request_type: 'alias',
      api_key: 'key-1',
      data: { source_mpid: '1', destination_mpid: '2', start_unixtime_ms: 1, end_unixtime_ms: 2 },
    });
    expect((await post(`${url}/IDENTITY/key-1/ALIAS`, body)).status).toBe(202);
    expect((await post(`${url}/identity/key-1/alias/`, body)).status).toBe(202);
    expect((await post(`${url}/identity/other-key/Alias`, body)).status).toBe(401);
    expect(calls).toHaveLength(2);
  });

  test('x-mp-key is checked when the server is started with an API key', async () => {
    const { url, calls } = await start({ apiKey: 'key-1' });
    const wrong = client(url, { apiKey: 'nope' });
    const error = await failure(wrong.http.identify(req));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('x-mp-key');
    expect(calls).toHaveLength(0);
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });

  test('GET /v1/_profiles lists the profiles; an unknown path is a 404 with a JSON body', async () => {
    const { url } = await start();
    const profiles = await fetch(`${url}/_profiles`);
    expect(profiles.status).toBe(200);
    expect(await profiles.json()).toEqual({
      profiles: [expect.objectContaining({ mpid: '1234' })],
      next_cursor: null,
    });
    const missing = await post(`${url}/nowhere`, '{}');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      errors: [{ code: 'not_found', message: expect.any(String) }],
    });
    expect((await fetch(`${url}/identify`)).status).toBe(405);
  });

  test('errors the backend raises become their HTTP status and back the same code', async () => {
    const { url, failWith } = await start();
    const { http } = client(url, { retry: false });
    const cases = [
      new IdentityError('bad_request', 'source and destination must differ', { httpCode: 400 }),
      new IdentityError('validation', 'bad email'),
      new IdentityError('forbidden', 'alias not allowed under isolation', { httpCode: 403 }),
      new IdentityError('rate_limited', 'slow down', { retryAfterMs: 1500 }),
      new IdentityError('storage', 'disk full'),
    ];
    const got = [];
    for (const error of cases) {
      failWith(error);
      const e = await failure(http.identify(req));
      got.push([e.code, e.httpCode, e.retryAfterMs]);
    }
    expect(got).toEqual([
      ['bad_request', 400, undefined],
      ['bad_request', 400, undefined],
      ['forbidden', 403, undefined],
      ['rate_limited', 429, 2000],
      ['server', 500, undefined],
    ]);
  });
});

describe('error statuses over HTTP → IdentityError codes', () => {
  test.each([
    [400, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [429, 'rate_limited'],
    [500, 'server'],
    [503, 'server'],
  ])('%i → %s', async (status, code) => {
    const { url, server } = await start();
    server.faults.queue({
      status,
      headers: { 'Retry-After': '3' },
      body: { Errors: [{ code: 'E', message: `said ${status}` }] },
    });
    const error = await failure(client(url, { retry: false }).http.identify(req));
    expect(error.code).toBe(code);
    expect(error.httpCode).toBe(status);
    expect(error.message).toContain(`said ${status}`);
    if (status === 429) expect(error.retryAfterMs).toBe(3000);
  });

  test('a 200 without an mpid is an error, never a user', async () => {
    const { url, server } = await start();
    server.faults.queue({ status: 200, body: { context: 'x' } }, { status: 200, body: 'not json' });
    const { http } = client(url);
    expect((await failure(http.identify(req))).code).toBe('server');
    expect((await failure(http.identify(req))).code).toBe('server');
  });

  test('a refused connection is `network`', async () => {
    const { url, server } = await start();
    await server.close();
    const error = await failure(client(url, { retry: false }).http.identify(req));
    expect(error.code).toBe('network');
  });
});

describe('retries over HTTP', () => {
  test('503 twice, then an answer: three requests, backoff delays', async () => {
    const { url, server, answered, calls } = await start();
    server.faults.queue({ status: 503 }, { status: 503 });
    const { http, delays } = client(url);
    expect((await http.identify(req)).mpid).toBe('1234');
    expect(answered()).toBe(3);
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([125, 250]);
  });

  test('429 is retried no sooner than its Retry-After', async () => {
    const { url, server, answered } = await start();
    server.faults.queue({ status: 429, headers: { 'Retry-After': '2' } });
    const { http, delays } = client(url);
    expect((await http.login(req)).mpid).toBe('1234');
    expect(answered()).toBe(2);
    expect(delays).toEqual([2000]);
  });

  test('a hanging request times out and is tried again', async () => {
    const { url, server, calls } = await start();
    server.faults.queue({ hang: true });
    const { http, delays } = client(url, { timeoutMs: 200 });
    expect((await http.identify(req)).mpid).toBe('1234');
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([125]);
  });

  test('a request that keeps hanging ends as `timeout` after the attempts', async () => {
    const { url, server, calls } = await start();
    server.faults.queue({ hang: true }, { hang: true });
    const { http, delays } = client(url, { timeoutMs: 100, retry: { attempts: 2 } });
    expect((await failure(http.identify(req))).code).toBe('timeout');
    expect(calls).toHaveLength(0);
    expect(delays).toHaveLength(1);
  });

  test.each([400, 401])('%i is not retried', async (status) => {
    const { url, server, answered } = await start();
    server.faults.queue({ status });
    const { http, delays } = client(url);
    await failure(http.identify(req));
    expect(answered()).toBe(1);
    expect(delays).toEqual([]);
    expect(server.faults.queued).toBe(0);
  });

  test('--fail-rate answers 503 to the share of requests drawn', async () => {
    const draws = [0.1, 0.9];
    const { url, answered } = await start({ failRate: 0.5, random: () => draws.shift() ?? 0.9 });
    const { http, delays } = client(url);
    expect((await http.identify(req)).mpid).toBe('1234');
    expect(answered()).toBe(2);
    expect(delays).toHaveLength(1);
  });
});

describe('bad input never crashes the server', () => {
  test('malformed JSON is answered 400 with a clear message, and the server keeps serving', async () => {
    const { url, calls } = await start();
    const res = await post(`${url}/identify`, '{"known_identities": {');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toMatch(/not valid JSON/);
    expect(calls).toHaveLength(0);
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });

  test('a body over 64 KiB is answered 413, and the server keeps serving', async () => {
    const { url, calls } = await start();
    const big = JSON.stringify({ known_identities: { email: 'x'.repeat(70 * 1024) } });
    const res = await post(`${url}/identify`, big);
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(body.errors[0]).toEqual({
      code: 'body_too_large',
      message: expect.stringMatching(/65536 bytes/),
    });
    expect(calls).toHaveLength(0);
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });

  test('a body over 64 KiB without Content-Length (chunked) is answered 413 too', async () => {
    const { port, url } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const r = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/identify',
          headers: { 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      r.on('error', reject);
      for (let i = 0; i < 80; i++) r.write('x'.repeat(1024));
      r.end();
    });
    expect(status).toBe(413);
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });

  test.each([
    ['an array body', '[]'],
    ['a string body', '"hello"'],
    ['null', 'null'],
    ['an unknown identity type', '{"known_identities":{"shoe_size":"42"}}'],
    ['a __proto__ identity', '{"known_identities":{"__proto__":{"email":"x"}}}'],
    ['a number identity', '{"known_identities":{"email":5}}'],
    ['an empty identity', '{"known_identities":{"email":""}}'],
    ['a number previous_mpid', '{"previous_mpid":12}'],
    ['a bad environment', '{"environment":"staging"}'],
  ])('identify with %s is a 400 naming the problem', async (_, body) => {
    const { url, calls } = await start();
    const res = await post(`${url}/identify`, body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { errors: { code: string; message: string }[] };
    expect(json.errors[0]!.message.length).toBeGreaterThan(5);
    expect(calls).toHaveLength(0);
    expect(({} as Record<string, unknown>).email).toBeUndefined();
  });

  test.each([
    ['modify without identity_changes', '/1234/modify', '{}'],
    ['modify with a bad type', '/1234/modify', '{"identity_changes":[{"identity_type":"nope"}]}'],
    ['alias without data', '/identity/k/Alias', '{"request_type":"alias"}'],
    [
      'alias with number mpids',
      '/identity/k/Alias',
      '{"data":{"source_mpid":1,"destination_mpid":2}}',
    ],
    [
      'alias with a bad scope',
      '/identity/k/Alias',
      JSON.stringify({
        data: {
          source_mpid: '1',
          destination_mpid: '2',
          start_unixtime_ms: 1,
          end_unixtime_ms: 2,
          scope: 'x',
        },
      }),
    ],
  ])('%s is a 400', async (_, path, body) => {
    const { url, calls } = await start();
    expect((await post(`${url}${path}`, body)).status).toBe(400);
    expect(calls).toHaveLength(0);
  });

  test('a malformed %-escape in the path is a 404, not a crash', async () => {
    const { url } = await start();
    expect((await post(`${url}/%E0%A4%A/modify`, '{}')).status).toBe(404);
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });

  test('a backend that throws something unexpected gives a 500 and the server keeps serving', async () => {
    const { url, backend, lines } = await start();
    const original = backend.identify;
    backend.identify = async () => {
      throw new TypeError('bug');
    };
    const res = await post(`${url}/identify`, '{}');
    expect(res.status).toBe(500);
    expect(lines.some((l) => l.includes('internal error'))).toBe(true);
    backend.identify = original;
    expect((await client(url).http.identify(req)).mpid).toBe('1234');
  });
});

describe('CORS', () => {
  test('a preflight is answered with the allowed method and headers', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/identify`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-mp-key, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    expect(allowed).toContain('x-mp-key');
    expect(allowed).toContain('content-type');
  });

  test('answers carry Allow-Origin and expose Retry-After', async () => {
    const { url, server } = await start();
    server.faults.queue({ status: 429, headers: { 'Retry-After': '1' } });
    const res = await post(`${url}/identify`, '{}', { Origin: 'http://127.0.0.1:5173' });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });
});

describe('fault injection over HTTP', () => {
  test('/v1/_faults is not there unless enabled', async () => {
    const { url } = await start();
    expect((await post(`${url}/_faults`, '{"status":503}')).status).toBe(404);
  });

  test('queues answers, sets rates, rejects bad answers, and DELETE resets', async () => {
    const { url, server } = await start({ faultsApi: true });
    const queued = await post(`${url}/_faults`, JSON.stringify([{ status: 503 }, { hang: true }]));
    expect(queued.status).toBe(200);
    expect(server.faults.queued).toBe(2);
    expect((await post(`${url}/_faults`, '{"status":99}')).status).toBe(400);
    expect((await post(`${url}/_faults`, '{"failRate":2}')).status).toBe(400);
    expect((await post(`${url}/_faults`, '{"failRate":0.25,"latencyMs":5}')).status).toBe(200);
    expect(server.faults).toMatchObject({ failRate: 0.25, latencyMs: 5, queued: 2 });
    expect((await fetch(`${url}/_faults`, { method: 'DELETE' })).status).toBe(204);
    expect(server.faults).toMatchObject({ failRate: 0, latencyMs: 0, queued: 0 });
  });
});
