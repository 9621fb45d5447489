/**
 * @jest-environment node
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentityError } from '../../src';
import { encodeCookieValue } from '../../src/cookie/format';
import { failWith } from '../../src/validation/plain';
import {
  identityCookieHandler,
  parseIdentityCookie,
  type CookieOptions,
  type IdentityCookieState,
} from '../../src/site-server';

const STATE: IdentityCookieState = {
  deviceId: '3f1c2a9e-8b7d-4c1e-9a2b-5d6e7f8a9b0c',
  mpid: '8765432109876543',
  isLoggedIn: true,
  revision: 7,
};
const encode = (state: IdentityCookieState) => encodeCookieValue(state, failWith('validation'));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let port: number;
let options: CookieOptions = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    void identityCookieHandler(options)(req, res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  options = {};
});

function send(
  body: string | string[] | undefined,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: '/idsync/cookie',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        );
      },
    );
    req.on('error', reject);
    for (const chunk of Array.isArray(body) ? body : body === undefined ? [] : [body]) {
      req.write(chunk);
    }
    req.end();
  });
}

const post = (body: object, headers?: Record<string, string>) =>
  send(JSON.stringify(body), headers);

function setCookieOf(answer: Answer): string {
  const header = answer.headers['set-cookie'];
  expect(header).toHaveLength(1);
  return header![0]!;
}

describe('Node http, over 127.0.0.1', () => {
  test('a valid state: 204 with Set-Cookie, Max-Age of 395 days, host-only on an IP', async () => {
    const answer = await post({ ...STATE, domain: null });
    expect(answer.status).toBe(204);
    const cookie = setCookieOf(answer);
    expect(cookie).toBe(`idsync=${encode(STATE)}; Max-Age=${395 * 86400}; Path=/; SameSite=Lax`);
    expect(395 * 86400).toBeGreaterThanOrEqual(395 * 24 * 3600);
    expect(parseIdentityCookie(cookie.split(';')[0])).toEqual(STATE);
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  test('on a named host, the Domain the page found is kept; https gives Secure', async () => {
    const answer = await post(
      { ...STATE, domain: 'example.co.uk' },
      { host: 'a.b.example.co.uk:8443', 'x-forwarded-proto': 'https' },
    );
    expect(answer.status).toBe(204);
    expect(setCookieOf(answer)).toMatch(/; Domain=example\.co\.uk; Secure$/);
  });

  test('options are honoured: name, maxAgeDays, sameSite, explicit domain and secure', async () => {
    options = {
      name: 'who',
      maxAgeDays: 30,
      sameSite: 'Strict',
      domain: 'example.com',
      secure: false,
    };
    const answer = await post({ ...STATE, domain: 'example.com' }, { host: 'www.example.com' });
    expect(answer.status).toBe(204);
    expect(setCookieOf(answer)).toBe(
      `who=${encode(STATE)}; Max-Age=${30 * 86400}; Path=/; SameSite=Strict; Domain=example.com`,
    );
  });

  test.each<[string, object, Record<string, string>]>([
    [
      'a domain that does not cover the host',
      { ...STATE, domain: 'example.org' },
      { host: 'www.example.com' },
    ],
    ['a top-level domain', { ...STATE, domain: 'com' }, { host: 'www.example.com' }],
    ['a domain on an IP host', { ...STATE, domain: '0.1' }, {}],
    ['a domain on localhost', { ...STATE, domain: 'localhost' }, { host: 'localhost:3000' }],
    ['no domain field', { ...STATE }, {}],
    ['a numeric domain', { ...STATE, domain: 1 }, {}],
    ['an unknown field', { ...STATE, domain: null, email: 'h.jekyll@example.com' }, {}],
    ['a missing device id', { mpid: '1', isLoggedIn: false, revision: 1, domain: null }, {}],
    ['a device id with a dot', { ...STATE, deviceId: 'a.b', domain: null }, {}],
    ['a numeric mpid', { ...STATE, mpid: 1, domain: null }, {}],
    ['logged in without an mpid', { ...STATE, mpid: null, domain: null }, {}],
    ['a string revision', { ...STATE, revision: '7', domain: null }, {}],
    ['a fractional revision', { ...STATE, revision: 7.5, domain: null }, {}],
    ['a negative revision', { ...STATE, revision: -1, domain: null }, {}],
    ['an array', [STATE], {}],
    ['a cross-site request', { ...STATE, domain: null }, { 'sec-fetch-site': 'cross-site' }],
    ['a form post', { ...STATE, domain: null }, { 'content-type': 'text/plain' }],
  ])('%s: 400 and no Set-Cookie', async (_, body, headers) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(400);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(answer.body).toMatch(/^identity cookie: /);
  });

  test.each<[string, string | string[]]>([
    ['no body', []],
    ['not JSON', '{"deviceId":'],
    ['JSON null', 'null'],
    ['a prototype-polluting key', `{"__proto__":{"x":1},"domain":null}`],
    ['a body over the limit (chunked)', ['{"pad":"', 'x'.repeat(800), 'x'.repeat(800), '"}']],
  ])('%s: 400 and no Set-Cookie', async (_, body) => {
    const answer = await send(body);
    expect(answer.status).toBe(400);
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('a Content-Length over the limit is refused unread', async () => {
    const answer = await send('{"pad":"' + 'x'.repeat(2000) + '"}');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('larger than 1024 bytes');
  });

  test.each(['GET', 'PUT', 'OPTIONS'])('%s: 405, Allow: POST, no Set-Cookie', async (method) => {
    const answer = await send(undefined, {}, method);
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  test("a state older than the request's own cookie is not set (204, no Set-Cookie)", async () => {
    const newer = encode({ ...STATE, mpid: '5', revision: 9 });
    const stale = await post({ ...STATE, domain: null }, { cookie: `idsync=${newer}` });
    expect(stale.status).toBe(204);
    expect(stale.headers['set-cookie']).toBeUndefined();
    // the same state as the cookie is re-issued (that is the refresh), a newer one replaces it
    const same = await post({ ...STATE, domain: null }, { cookie: `idsync=${encode(STATE)}` });
    expect(setCookieOf(same)).toContain(encode(STATE));
    const ahead = { ...STATE, revision: 10 };
    const newerPost = await post({ ...ahead, domain: null }, { cookie: `idsync=${newer}` });
    expect(setCookieOf(newerPost)).toContain(encode(ahead));
    // an invalid cookie in the request does not block a valid state
    const junk = await post({ ...STATE, domain: null }, { cookie: 'idsync=junk' });
    expect(setCookieOf(junk)).toContain(encode(STATE));
  });

  test('with an explicit cookie.domain, the page must have used it', async () => {
    options = { domain: 'example.com' };
    const host = { host: 'www.example.com' };
    expect((await post({ ...STATE, domain: 'www.example.com' }, host)).status).toBe(400);
    expect((await post({ ...STATE, domain: null }, host)).status).toBe(400);
    expect((await post({ ...STATE, domain: 'example.com' }, { host: 'example.org' })).status).toBe(
      400,
    );
    expect((await post({ ...STATE, domain: 'example.com' }, host)).status).toBe(204);
  });
});

describe('Express-style request and response', () => {
  function fakeRes() {
    const headers: Record<string, string> = {};
    const res = {
      statusCode: 200,
      ended: false,
      body: undefined as string | undefined,
      headers,
      setHeader(name: string, value: string) {
        headers[name.toLowerCase()] = value;
      },
      end(body?: string) {
        res.ended = true;
        res.body = body;
      },
    };
    return res;
  }
  const reqWith = (body: unknown, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { host: 'www.example.com', 'content-type': 'application/json', ...headers },
    body,
  });

  test('a body parsed by express.json(): 204 with Set-Cookie', async () => {
    const res = fakeRes();
    await identityCookieHandler()(reqWith({ ...STATE, domain: 'example.com' }), res);
    expect(res.statusCode).toBe(204);
    expect(res.ended).toBe(true);
    expect(res.headers['set-cookie']).toBe(
      `idsync=${encode(STATE)}; Max-Age=${395 * 86400}; Path=/; SameSite=Lax; Domain=example.com`,
    );
  });

  test('a body from express.text() or express.raw() is parsed, with the size limit', async () => {
    for (const body of [
      JSON.stringify({ ...STATE, domain: null }),
      Buffer.from(JSON.stringify({ ...STATE, domain: null })),
    ]) {
      const res = fakeRes();
      await identityCookieHandler()(reqWith(body, { host: '127.0.0.1:3000' }), res);
      expect(res.statusCode).toBe(204);
      expect(res.headers['set-cookie']).toContain(encode(STATE));
    }
    const res = fakeRes();
    await identityCookieHandler()(reqWith(' '.repeat(1025) + '{}'), res);
    expect(res.statusCode).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  test('bad input: 400, no Set-Cookie; no Host header: 400', async () => {
    const res = fakeRes();
    await identityCookieHandler()(reqWith({ ...STATE, revision: -1, domain: null }), res);
    expect(res.statusCode).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
    const noHost = fakeRes();
    await identityCookieHandler()(
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: { ...STATE, domain: null },
      },
      noHost,
    );
    expect(noHost.statusCode).toBe(400);
  });
});

test('bad handler options throw a validation error naming the field', () => {
  for (const [bad, field] of [
    [{ maxAgeDays: 0 }, 'cookie.maxAgeDays'],
    [{ domain: 'not a domain' }, 'cookie.domain'],
    [{ sameSite: 'None', secure: false }, 'cookie.secure'],
  ] as const) {
    expect(() => identityCookieHandler(bad as CookieOptions)).toThrow(IdentityError);
    expect(() => identityCookieHandler(bad as CookieOptions)).toThrow(field);
  }
});

describe('parseIdentityCookie', () => {
  test('reads the state from a Cookie header, by name', () => {
    const header = `_ga=GA1.2.3; idsync=${encode(STATE)}; theme=dark`;
    expect(parseIdentityCookie(header)).toEqual(STATE);
    expect(parseIdentityCookie(`who=${encode(STATE)}`, 'who')).toEqual(STATE);
    expect(parseIdentityCookie(`who=${encode(STATE)}`)).toBeNull();
  });

  test('undoes quoting and percent-encoding by server frameworks', () => {
    const value = encode(STATE);
    expect(parseIdentityCookie(`idsync="${value}"`)).toEqual(STATE);
    expect(parseIdentityCookie(`idsync=${value.replace(/\./g, '%2E')}`)).toEqual(STATE);
    expect(parseIdentityCookie('idsync=%E0%A4%A')).toBeNull();
  });

  test('null for a missing, damaged, edited, foreign or other-version cookie', () => {
    const value = encode(STATE);
    for (const header of [
      undefined,
      '',
      'idsync=',
      `idsync=${value.slice(0, -3)}`,
      `idsync=${value.replace('.7.', '.8.')}`,
      'idsync=GA1.2.3',
      'idsync=idsync.2.a.b.c',
      `idsync=${value}${'x'.repeat(300)}`,
    ]) {
      expect(parseIdentityCookie(header)).toBeNull();
    }
  });
});
