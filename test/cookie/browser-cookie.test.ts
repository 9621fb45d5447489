import { IdentityError } from '../../src';
import { openIdentityCookie, type IdentityCookieState } from '../../src/cookie';
import { encodeCookieValue } from '../../src/cookie/format';
import { failWith } from '../../src/validation/plain';
import { FakeJar } from './fake-jar';

const STATE: IdentityCookieState = {
  deviceId: '3f1c2a9e-8b7d-4c1e-9a2b-5d6e7f8a9b0c',
  mpid: '8765432109876543',
  isLoggedIn: true,
  revision: 3,
};

function open(jar: FakeJar, options: object = {}, send?: typeof fetch) {
  return openIdentityCookie(options, jar, jar.page, send);
}

describe("domain: 'auto'", () => {
  test('a public suffix refuses the probe; the next suffix up takes the cookie', () => {
    const jar = new FakeJar('a.b.example.co.uk');
    const cookie = open(jar);
    expect(cookie.domain).toBe('example.co.uk');
    expect(jar.writes[0]).toMatch(/^idsync\.probe=\w+; .*Domain=co\.uk/);
    expect(jar.writes[1]).toMatch(/^idsync\.probe=\w+; .*Domain=example\.co\.uk/);
    // the probe is deleted at once
    expect(jar.entries()).toEqual([]);
    expect(jar.writes).toHaveLength(3);
    expect(jar.writes[2]).toMatch(/^idsync\.probe=; Max-Age=0; .*Domain=example\.co\.uk/);
  });

  test('nothing is probed until a write needs the domain, and then once for the page', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar, { refreshUrl: '/idsync/cookie' });
    expect(cookie.read()).toBeNull();
    expect(jar.writes).toEqual([]);
    expect(cookie.write(STATE)).toBe(true);
    const probes = jar.writes.filter((w) => w.startsWith('idsync.probe='));
    expect(probes.length).toBeGreaterThan(0);
    expect(jar.writes.at(-1)).toMatch(/^idsync=idsync\.1\..*Domain=example\.com/);
    const written = jar.writes.length;
    cookie.write({ ...STATE, revision: 4 });
    cookie.clear();
    expect(jar.writes.slice(written).some((w) => w.startsWith('idsync.probe='))).toBe(false);
  });

  test('a refreshUrl on another host of the site needs the domain at once', () => {
    const jar = new FakeJar('app.example.com');
    const cookie = open(jar, { refreshUrl: 'https://www.example.com/c' });
    expect(jar.writes.some((w) => w.startsWith('idsync.probe='))).toBe(true);
    expect(cookie.domain).toBe('example.com');
  });

  test.each([
    ['www.example.com', 'example.com'],
    ['shop.example.com', 'example.com'],
    ['alice.github.io', 'alice.github.io'],
    ['a.idsync.test', 'idsync.test'],
  ])('%s → %s', (hostname, domain) => {
    expect(open(new FakeJar(hostname)).domain).toBe(domain);
  });

  test.each(['localhost', 'app.localhost', '127.0.0.1', '[::1]', 'intranet', 'example.com.'])(
    '%s is host-only, with no probe written',
    (hostname) => {
      const jar = new FakeJar(hostname, false);
      const cookie = open(jar);
      expect(cookie.domain).toBeNull();
      expect(jar.writes).toEqual([]);
      expect(cookie.write(STATE)).toBe(true);
      expect(jar.writes[0]).not.toMatch(/Domain=/);
    },
  );

  test('when cookies are blocked, no domain takes one: host-only, and write says false', () => {
    const jar = new FakeJar('www.example.com', true, true);
    const cookie = open(jar);
    expect(cookie.domain).toBeNull();
    expect(cookie.write(STATE)).toBe(false);
    expect(cookie.read()).toBeNull();
  });
});

describe('an explicit domain', () => {
  test('is used as given, without probing', () => {
    const jar = new FakeJar('a.b.example.com');
    const cookie = open(jar, { domain: 'b.example.com' });
    expect(cookie.domain).toBe('b.example.com');
    expect(jar.writes).toEqual([]);
    cookie.write(STATE);
    expect(jar.entries()[0]?.domain).toBe('b.example.com');
  });

  test("that does not cover the page's host is a validation error", () => {
    const jar = new FakeJar('www.example.com');
    expect(() => open(jar, { domain: 'example.org' })).toThrow(
      expect.objectContaining({
        code: 'validation',
        message: expect.stringContaining('cookie.domain'),
      }),
    );
  });
});

describe('write, read, clear', () => {
  test('writes the attributes: Max-Age from maxAgeDays, Path=/, SameSite, Secure on https', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar);
    expect(cookie.write(STATE)).toBe(true);
    expect(jar.writes.at(-1)).toBe(
      `idsync=${encodeCookieValue(STATE, failWith('validation'))}; Max-Age=${395 * 86400}; ` +
        'Path=/; SameSite=Lax; Domain=example.com; Secure',
    );
    expect(cookie.read()).toEqual({ ok: true, state: STATE });
  });

  test('honours name, maxAgeDays, sameSite and secure', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar, { name: 'who', maxAgeDays: 1, sameSite: 'Strict', secure: false });
    cookie.write(STATE);
    expect(jar.writes.at(-1)).toMatch(
      /^who=idsync\.1\.[^;]+; Max-Age=86400; Path=\/; SameSite=Strict; Domain=example\.com$/,
    );
    expect(cookie.read()).toEqual({ ok: true, state: STATE });
  });

  test('no Secure by default on an http page; an explicit Secure there is not kept', () => {
    const jar = new FakeJar('www.example.com', false);
    expect(open(jar).write(STATE)).toBe(true);
    expect(jar.writes.at(-1)).not.toMatch(/Secure/);
    expect(open(new FakeJar('www.example.com', false), { secure: true }).write(STATE)).toBe(false);
  });

  test('SameSite=None on an http page without secure is a validation error', () => {
    expect(() => open(new FakeJar('www.example.com', false), { sameSite: 'None' })).toThrow(
      /cookie\.secure/,
    );
  });

  test('reads null when absent, the reason when invalid', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar);
    expect(cookie.read()).toBeNull();
    jar.cookie = 'idsync=idsync.2.x; Domain=example.com';
    expect(cookie.read()).toEqual({ ok: false, reason: 'version' });
  });

  test('a later write replaces the earlier one', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar);
    cookie.write(STATE);
    cookie.write({ ...STATE, mpid: '5', isLoggedIn: false, revision: 4 });
    expect(jar.entries()).toHaveLength(1);
    expect(cookie.read()).toEqual({
      ok: true,
      state: { ...STATE, mpid: '5', isLoggedIn: false, revision: 4 },
    });
  });

  test('refuses to write an invalid state', () => {
    const cookie = open(new FakeJar('www.example.com'));
    expect(() => cookie.write({ ...STATE, revision: -1 })).toThrow(IdentityError);
  });

  test('clear removes the domain cookie and a host-only twin', () => {
    const jar = new FakeJar('www.example.com');
    const cookie = open(jar);
    cookie.write(STATE);
    jar.cookie = `idsync=${encodeCookieValue({ ...STATE, revision: 1 }, failWith('validation'))}`;
    expect(jar.entries()).toHaveLength(2);
    cookie.clear();
    expect(jar.entries()).toEqual([]);
    expect(cookie.read()).toBeNull();
  });
});

describe('refresh', () => {
  function recorder(status = 204) {
    const calls: Array<[string, RequestInit]> = [];
    const send = (async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return { ok: status >= 200 && status < 300, status } as Response;
    }) as unknown as typeof fetch;
    return { calls, send };
  }

  test('POSTs the state and the domain as JSON, keepalive, to the absolute refreshUrl', async () => {
    const { calls, send } = recorder();
    const cookie = open(new FakeJar('app.example.com'), { refreshUrl: '/idsync/cookie' }, send);
    expect(cookie.refreshUrl).toBe('https://app.example.com/idsync/cookie');
    await cookie.refresh(STATE);
    expect(calls).toHaveLength(1);
    const [url, init] = calls[0]!;
    expect(url).toBe('https://app.example.com/idsync/cookie');
    expect(init).toMatchObject({
      method: 'POST',
      keepalive: true,
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
    });
    expect(JSON.parse(String(init.body))).toEqual({ ...STATE, domain: 'example.com' });
  });

  test('a sibling origin of the same site is allowed; another site is a validation error', () => {
    const jar = new FakeJar('app.example.com');
    expect(open(jar, { refreshUrl: 'https://www.example.com/c' }).refreshUrl).toBe(
      'https://www.example.com/c',
    );
    for (const refreshUrl of ['https://example.org/c', 'javascript:alert(1)', 'http://[']) {
      expect(() => open(new FakeJar('app.example.com'), { refreshUrl })).toThrow(
        /cookie\.refreshUrl/,
      );
    }
    expect(() =>
      open(new FakeJar('localhost', false), { refreshUrl: 'http://127.0.0.1/c' }),
    ).toThrow(/cookie\.refreshUrl/);
  });

  test("a status other than 2xx rejects with 'server' and the status; a failed fetch with its error", async () => {
    const cookie = open(new FakeJar('a.example.com'), { refreshUrl: '/c' }, recorder(400).send);
    await expect(cookie.refresh(STATE)).rejects.toMatchObject({ code: 'server', httpCode: 400 });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const cookie2 = open(new FakeJar('a.example.com'), { refreshUrl: '/c' }, offline);
    await expect(cookie2.refresh(STATE)).rejects.toThrow('Failed to fetch');
  });

  test('without refreshUrl nothing is sent', async () => {
    const { calls, send } = recorder();
    await open(new FakeJar('a.example.com'), {}, send).refresh(STATE);
    expect(calls).toEqual([]);
  });
});
