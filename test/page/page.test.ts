import { createIdentity, IdentityError } from '../../src';
import type { IdentityBackend, IdentityOptions } from '../../src/types';
import { createPage, type PageOptions } from '../../src/page/page';
import { createFakeBackend, fakeClock, freshDbName, spyLogger } from '../client/fake-backend';

/** What the IIFE hands the page: the library's exports (here, a marker). */
const lib = { marker: 'the library' };
type Lib = typeof lib;

const options = (
  backend: PageOptions<Lib>['backend'],
  more: Partial<IdentityOptions> = {},
): PageOptions<Lib> => ({
  backend,
  dbName: freshDbName(),
  logger: spyLogger(),
  now: fakeClock().now,
  identifyOnInit: false,
  ...more,
});

describe('the page singleton', () => {
  test('calls made before init wait for it and reach the client in call order', async () => {
    const page = createPage(lib);
    const backend = createFakeBackend();
    const order: string[] = [];
    const track = <T>(name: string, promise: Promise<T>) =>
      promise.then((value) => {
        order.push(name);
        return value;
      });
    const identify = track('identify', page.identify());
    const login = track('login', page.login({ userIdentities: { customerid: 'C' } }));
    const modify = track('modify', page.modify({ userIdentities: { email: 'c@example.com' } }));
    const logout = track('logout', page.logout());
    const ready = track('ready', page.ready());
    expect(page.getClient()).toBeNull();
    expect(backend.calls).toHaveLength(0);

    const client = await page.init(options(backend));
    expect(page.getClient()).toBe(client);
    expect(await ready).toBe(client);
    const results = await Promise.all([identify, login, modify, logout]);
    expect(backend.calls.map((c) => c.method)).toEqual(['identify', 'login', 'modify', 'logout']);
    expect(results.map((r) => r.mpid)).toEqual(['1001', '1002', '1002', '1001']);
    expect(results[2]!.user.identities.email).toBe('c@example.com');
    expect(order).toEqual(['ready', 'identify', 'login', 'modify', 'logout']);
    expect(client.currentUser!.mpid).toBe('1001');
    await client.close();
  });

  test('a backend factory is called once with the library', async () => {
    const page = createPage(lib);
    const backend = createFakeBackend();
    const factory = jest.fn((_lib: Lib): IdentityBackend => backend);
    const client = await page.init(options(factory));
    expect(factory).toHaveBeenCalledTimes(1);
    expect(factory).toHaveBeenCalledWith(lib);
    await page.identify();
    expect(backend.calls).toHaveLength(1);
    await client.close();
  });

  test('ready calls its callback with the client, before and after init', async () => {
    const page = createPage(lib);
    const seen: unknown[] = [];
    const early = page.ready((c) => seen.push(c));
    const client = await page.init(options(createFakeBackend()));
    await early;
    await page.ready((c) => seen.push(c));
    expect(seen).toEqual([client, client]);
    // A callback that throws rejects that ready promise only.
    await expect(
      page.ready(() => {
        throw new Error('callback boom');
      }),
    ).rejects.toThrow('callback boom');
    await expect(page.ready('nope' as never)).rejects.toMatchObject({ code: 'validation' });
    await client.close();
  });

  test('errors of the real call reach the caller', async () => {
    const page = createPage(lib);
    const backend = createFakeBackend();
    const client = await page.init(options(backend));
    await expect(page.login(undefined as never)).rejects.toMatchObject({ code: 'validation' });
    await expect(page.modify({ userIdentities: { email: 'x@y.z' } })).rejects.toMatchObject({
      code: 'validation', // no current user yet (identifyOnInit: false)
    });
    backend.failNext(new IdentityError('server', 'down', { httpCode: 503 }));
    await expect(page.identify()).rejects.toMatchObject({ code: 'server', httpCode: 503 });
    expect(client.currentUser).toBeNull();
    await client.close();
  });

  test('init twice rejects and keeps the first client', async () => {
    const page = createPage(lib);
    const first = page.init(options(createFakeBackend()));
    await expect(page.init(options(createFakeBackend()))).rejects.toMatchObject({
      code: 'validation',
    });
    const client = await first;
    await expect(page.init(options(createFakeBackend()))).rejects.toMatchObject({
      code: 'validation',
    });
    expect(page.getClient()).toBe(client);
    await client.close();
  });

  test('a failed init rejects the waiting and later calls with its error; a new init starts again', async () => {
    const page = createPage(lib);
    const waiting = page.identify();
    const readyWaiting = page.ready();
    await expect(page.init(options({} as IdentityBackend))).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(waiting).rejects.toMatchObject({ code: 'validation' });
    await expect(readyWaiting).rejects.toMatchObject({ code: 'validation' });
    await expect(page.login({ userIdentities: { customerid: 'C' } })).rejects.toMatchObject({
      code: 'validation',
    });
    expect(page.getClient()).toBeNull();

    const factoryError = new Error('factory boom');
    await expect(
      page.init(
        options(() => {
          throw factoryError;
        }),
      ),
    ).rejects.toBe(factoryError);

    // Calls made while a new attempt starts wait for it.
    const starting = page.init(options(createFakeBackend()));
    const queued = page.identify();
    const client = await starting;
    await expect(queued).resolves.toMatchObject({ mpid: '1001' });
    await client.close();
  });

  test('bad options reject with validation and open nothing', async () => {
    const create = jest.fn(createIdentity);
    const page = createPage(lib, create);
    await expect(page.init(null as never)).rejects.toMatchObject({ code: 'validation' });
    await expect(
      page.init(JSON.parse('{"__proto__": {"polluted": true}, "backend": 1}')),
    ).rejects.toMatchObject({ code: 'validation' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(page.getClient()).toBeNull();
  });
});
