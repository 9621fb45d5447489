/**
 * @jest-environment node
 *
 * The server's lock-down, one rule per test: who may call (API key, Origin,
 * Host), how much and how slowly (body size, timeouts, connections), and what
 * an error answer may say.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { keyChecker } from '../../src/server/http/auth';
import { hostChecker } from '../../src/server/http/host-header';
import { createIdsyncServer, type IdsyncServerOptions } from '../../src/server/server';
import { fakeBackend } from './fake-backend';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: Partial<IdsyncServerOptions> = {}) {
  const fake = fakeBackend();
  const server = createIdsyncServer({ backend: fake.backend, profiles: fake.profiles, ...options });
  running.push(server);
  const { port, url } = await server.listen(0);
  return { ...fake, server, port, url };
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** an error on the client side (EPIPE, ECONNRESET), if any */
  error?: string;
  /** the server closed the connection after answering */
  closed: boolean;
}

/** One request with full control of its headers (fetch may not set Host). */
function raw(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let error: string | undefined;
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: { connection: 'keep-alive', ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const socket = res.socket as Socket | null;
          const done = (closed: boolean) =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, error, closed });
          if (!socket || socket.destroyed) return done(true);
          const timer = setTimeout(() => {
            socket.destroy();
            done(false);
          }, 1000);
          socket.once('close', () => {
            clearTimeout(timer);
            done(true);
          });
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    req.end(options.body);
  });
}

describe('the API key guards every route, before anything else happens', () => {
  const routes: [string, string, string][] = [
    ['POST', '/v1/identify', '{}'],
    ['POST', '/v1/login', '{}'],
    ['POST', '/v1/logout', '{}'],
    ['POST', '/v1/1234/modify', '{"identity_changes":[]}'],
    ['POST', '/v1/identity/wrong-key/Alias', '{}'],
    ['GET', '/v1/_profiles', ''],
    ['POST', '/v1/_faults', '{"status":503}'],
    ['DELETE', '/v1/_faults', ''],
  ];

  test.each(routes)(
    '%s %s without the key is 401 and changes nothing',
    async (method, path, body) => {
      const { port, calls, server } = await start({ apiKey: 'key-1', faultsApi: true });
      server.faults.queue({ status: 503 });
      const answer = await raw(port, { method, path, body });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toEqual({
        errors: [{ code: 'unauthorized', message: expect.any(String) }],
      });
      expect(calls).toHaveLength(0);
      expect(server.faults.queued).toBe(1); // the queued fault was neither used nor cleared
    },
  );

  test('a wrong key of any length is refused; the right one passes', async () => {
    const { port } = await start({ apiKey: 'key-1' });
    for (const key of ['key-2', 'key-10', 'k', '']) {
      const answer = await raw(port, {
        path: '/v1/identify',
        body: '{}',
        headers: { 'x-mp-key': key },
      });
      expect(answer.status).toBe(401);
    }
    const ok = await raw(port, {
      path: '/v1/identify',
      body: '{}',
      headers: { 'x-mp-key': 'key-1' },
    });
    expect(ok.status).toBe(200);
    const matches = keyChecker('key-1');
    expect([matches('key-1'), matches('key-1 '), matches(undefined), matches(['key-1'])]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  test('injected faults reach only callers with the key', async () => {
    const { port, server } = await start({ apiKey: 'key-1' });
    server.faults.queue({ status: 429, headers: { 'Retry-After': '1' } });
    expect((await raw(port, { path: '/v1/identify', body: '{}' })).status).toBe(401);
    const withKey = { path: '/v1/identify', body: '{}', headers: { 'x-mp-key': 'key-1' } };
    expect((await raw(port, withKey)).status).toBe(429);
    expect((await raw(port, withKey)).status).toBe(200);
  });
});

describe('CORS: only allowed origins, Private Network Access only for them', () => {
  const preflight = (origin: string) => ({
    method: 'OPTIONS',
    path: '/v1/identify',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-mp-key, content-type',
      'access-control-request-private-network': 'true',
    },
  });

  test('by default a page served from loopback may call, with Private Network Access', async () => {
    const { port } = await start();
    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:3000', 'https://[::1]:8443']) {
      const answer = await raw(port, preflight(origin));
      expect(answer.status).toBe(204);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
      expect(answer.headers['access-control-allow-private-network']).toBe('true');
    }
  });

  test('a foreign origin gets no CORS grant, and its requests are refused unanswered by the backend', async () => {
    const { port, calls } = await start();
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example']) {
      const pre = await raw(port, preflight(origin));
      expect(pre.status).toBe(403);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-private-network']).toBeUndefined();
      // A text/plain POST needs no preflight: the server itself must refuse it.
      const post = await raw(port, {
        path: '/v1/login',
        body: '{"known_identities":{"email":"victim@x.test"}}',
        headers: { origin, 'content-type': 'text/plain' },
      });
      expect(post.status).toBe(403);
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(calls).toHaveLength(0);
  });

  test('--allow-origin replaces the default; "loopback" keeps pages on this machine', async () => {
    const only = await start({ allowOrigins: ['https://app.example'] });
    expect((await raw(only.port, preflight('https://app.example'))).status).toBe(204);
    expect((await raw(only.port, preflight('http://127.0.0.1:5173'))).status).toBe(403);
    const both = await start({ allowOrigins: ['https://app.example', 'loopback'] });
    expect((await raw(both.port, preflight('http://127.0.0.1:5173'))).status).toBe(204);
    expect((await raw(both.port, preflight('https://other.example'))).status).toBe(403);
  });

  test('requests without an Origin (curl, servers) are answered without CORS headers', async () => {
    const { port } = await start();
    const answer = await raw(port, { path: '/v1/identify', body: '{}' });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Host header: loopback names or the one given with --host (DNS rebinding)', () => {
  test('a rebinding Host is refused, loopback names are answered', async () => {
    const { port, calls } = await start();
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`]) {
      const answer = await raw(port, { path: '/v1/identify', body: '{}', headers: { host } });
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).errors[0].code).toBe('forbidden_host');
      const pre = await raw(port, { method: 'OPTIONS', path: '/v1/identify', headers: { host } });
      expect(pre.status).toBe(403);
    }
    expect(calls).toHaveLength(0);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect(
        (await raw(port, { path: '/v1/identify', body: '{}', headers: { host } })).status,
      ).toBe(200);
    }
  });

  test('the --host name is accepted too; a wildcard bind address is not a name', () => {
    expect(hostChecker('192.168.1.5')('192.168.1.5:8787')).toBe(true);
    expect(hostChecker('idsync.lan')('IDSYNC.lan')).toBe(true);
    expect(hostChecker('::1')('[::1]:80')).toBe(true);
    expect(hostChecker('fd00::5')('[fd00::5]:80')).toBe(true);
    expect(hostChecker('0.0.0.0')('0.0.0.0:8787')).toBe(false);
    expect(hostChecker('0.0.0.0')('evil.example')).toBe(false);
    expect(hostChecker()(undefined)).toBe(false);
  });
});

describe('body size and slow clients', () => {
  test('a 1 MB body is answered 413 and the connection closes cleanly (no EPIPE, no reset)', async () => {
    const { port, calls, url } = await start();
    const body = JSON.stringify({ known_identities: { email: 'x'.repeat(1024 * 1024) } });
    const answer = await raw(port, { path: '/v1/identify', body });
    expect(answer).toMatchObject({ status: 413, closed: true });
    expect(answer.error).toBeUndefined();
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body).errors[0].code).toBe('body_too_large');
    expect(calls).toHaveLength(0);
    expect((await fetch(`${url}/identify`, { method: 'POST', body: '{}' })).status).toBe(200);
  });

  test('with Expect: 100-continue an oversized body is refused before it is sent', async () => {
    const { port } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/identify',
        headers: { expect: '100-continue', 'content-length': String(1024 * 1024) },
      });
      req.on('continue', () => reject(new Error('the server asked for the body')));
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', () => undefined);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  test('a stalled body is answered 408 after the body timeout and the connection closed', async () => {
    const { port, calls } = await start({ limits: { timeoutMs: 300 } });
    const started = Date.now();
    const { text, closed } = await stalled(port, (socket) => {
      socket.write(
        'POST /v1/identify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"known',
      );
    });
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toMatch(/connection: close/i);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls).toHaveLength(0);
  });

  test('stalled headers are cut off after the headers timeout', async () => {
    const { port } = await start({ limits: { headersTimeoutMs: 300 } });
    const { text, closed } = await stalled(port, (socket) => {
      socket.write('POST /v1/identify HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    });
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(closed).toBe(true);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { port } = await start({ limits: { keepAliveTimeoutMs: 200 } });
    const { text, closed } = await stalled(port, (socket) => {
      socket.write('POST /v1/identify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}');
    });
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(closed).toBe(true);
  });

  test('connections beyond the cap are refused', async () => {
    const { port } = await start({ limits: { maxConnections: 2 } });
    const open = await Promise.all([connected(port), connected(port)]);
    await new Promise((r) => setTimeout(r, 50));
    const third = await stalled(port, () => undefined);
    expect(third).toEqual({ text: '', closed: true });
    open.forEach((socket) => socket.destroy());
  });
});

function connected(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
  });
}

/** A raw connection: `send` writes, then we read until the server closes (at most 5 s). */
function stalled(port: number, send: (socket: Socket) => void) {
  return new Promise<{ text: string; closed: boolean }>((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => send(socket));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 5_000);
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

describe('error answers say what went wrong, never where', () => {
  test('a 404 does not echo the URL', async () => {
    const { port } = await start();
    const path = '/v1/%3Cscript%3Ealert(1)%3C%2Fscript%3E/nowhere?secret=1';
    const answer = await raw(port, { path, body: '{}' });
    expect(answer.status).toBe(404);
    expect(answer.body).not.toMatch(/script|nowhere|secret/);
  });

  test('an internal error answers a fixed text', async () => {
    const { port, backend } = await start();
    backend.identify = async () => {
      throw new Error('/home/someone/secret/path exploded');
    };
    const answer = await raw(port, { path: '/v1/identify', body: '{}' });
    expect(answer.status).toBe(500);
    expect(answer.body).not.toContain('/home');
  });
});
