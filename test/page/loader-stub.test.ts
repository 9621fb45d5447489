import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdentityError } from '../../src';
import type { IdentityClient, IdentityResult } from '../../src/types';
import { createPage } from '../../src/page/page';
import { adoptLoaderStub } from '../../src/page/replay';
import { createFakeBackend, freshDbName, spyLogger } from '../client/fake-backend';

/**
 * The loader snippet (its source, run in jsdom, which never fetches the
 * bundle) and the bundle's takeover of its stub. The real-browser tests in
 * test/browser/snippet.test.mjs cover the minified file and real loading.
 */
const SNIPPET = readFileSync(join(__dirname, '../../src/snippet/snippet.js'), 'utf8');

type Global = { IDSync?: Record<string, (...args: unknown[]) => Promise<unknown>> };
const global = window as unknown as Global;

function runSnippet() {
  new Function(SNIPPET)();
  const script = document.head.querySelector('script[src="/idsync.iife.js"]') as HTMLScriptElement;
  return { stub: global.IDSync!, script };
}

/** What src/iife.ts does when the bundle runs. */
function loadBundle() {
  const lib = { IdentityError };
  const page = createPage(lib);
  adoptLoaderStub(global.IDSync, { ...lib, ...page });
  global.IDSync = { ...lib, ...page } as unknown as Global['IDSync'];
  return page;
}

beforeEach(() => {
  delete global.IDSync;
  document.head.innerHTML = '';
});

const initOptions = () => ({
  backend: createFakeBackend(),
  dbName: freshDbName(),
  logger: spyLogger(),
  identifyOnInit: false as const,
});

describe('the loader snippet', () => {
  test('defines a stub at once and adds one async script for the bundle', () => {
    const { stub, script } = runSnippet();
    expect(Object.keys(stub).sort()).toEqual(
      ['identify', 'init', 'login', 'logout', 'modify', 'q', 'ready'].sort(),
    );
    expect(script.async).toBe(true);
    expect(document.querySelectorAll('script')).toHaveLength(1);
  });

  test('leaves an IDSync that is already there alone', () => {
    const existing = { already: true };
    global.IDSync = existing as never;
    new Function(SNIPPET)();
    expect(global.IDSync).toBe(existing);
    expect(document.querySelectorAll('script')).toHaveLength(0);
  });

  test('calls before the bundle settle with the real results, in call order', async () => {
    const { stub } = runSnippet();
    const options = initOptions();
    const order: string[] = [];
    const track = (name: string, promise: Promise<unknown>) =>
      promise.then(
        (value) => {
          order.push(name);
          return value;
        },
        (error: unknown) => {
          order.push(`${name} rejected`);
          throw error;
        },
      );
    const identify = track('identify', stub.identify!({ userIdentities: { other: 'o' } }));
    const badLogin = track('bad login', stub.login!());
    const init = track('init', stub.init!(options));
    const login = track('login', stub.login!({ userIdentities: { customerid: 'C' } }));
    const ready = track('ready', stub.ready!());
    const logout = track('logout', stub.logout!());

    await Promise.resolve();
    expect(order).toEqual([]); // nothing runs before the bundle

    const page = loadBundle();
    const client = (await init) as IdentityClient;
    expect(page.getClient()).toBe(client);
    expect(await ready).toBe(client);
    const [a, b, c] = (await Promise.all([identify, login, logout])) as IdentityResult[];
    expect([a!.mpid, b!.mpid, c!.mpid]).toEqual(['1001', '1002', '1001']);
    expect(b!.previousMpid).toBe('1001');
    await expect(badLogin).rejects.toBeInstanceOf(IdentityError);
    await expect(badLogin).rejects.toMatchObject({ code: 'validation' });
    const identityCalls = ['identify', 'login', 'logout'];
    expect(order.filter((name) => identityCalls.includes(name))).toEqual(identityCalls);
    expect(options.backend.calls.map((call) => call.method)).toEqual([
      'identify',
      'login',
      'logout',
    ]);

    // A reference kept to the stub reaches the real page afterwards.
    expect(stub.getClient).toBe(page.getClient);
    expect('q' in stub).toBe(false);
    await expect(stub.login!({ userIdentities: { customerid: 'C' } })).resolves.toMatchObject({
      mpid: '1002',
    });
    await client.close();
  });

  test('a failed bundle load rejects every queued call, and later ones, with a clear error', async () => {
    const { stub, script } = runSnippet();
    const queued = [stub.init!(initOptions()), stub.identify!(), stub.ready!(() => undefined)];
    script.dispatchEvent(new Event('error'));
    for (const promise of queued) {
      await expect(promise).rejects.toThrow(
        'IDSync: the bundle could not be loaded from /idsync.iife.js',
      );
      // The same code an IdentityError for a failed fetch carries.
      await expect(promise).rejects.toMatchObject({ code: 'network' });
    }
    await expect(stub.login!({ userIdentities: { customerid: 'C' } })).rejects.toThrow(
      'could not be loaded from /idsync.iife.js',
    );
  });

  test('a bundle that loaded but did not take over (it threw) rejects the queue too', async () => {
    const { stub, script } = runSnippet();
    const queued = stub.identify!();
    script.dispatchEvent(new Event('load'));
    await expect(queued).rejects.toThrow('could not be loaded from /idsync.iife.js');
  });

  test('a load after the bundle took over changes nothing', async () => {
    const { stub, script } = runSnippet();
    const init = stub.init!(initOptions());
    loadBundle();
    script.dispatchEvent(new Event('load'));
    const client = (await init) as IdentityClient;
    await expect(stub.identify!()).resolves.toMatchObject({ mpid: '1001' });
    await client.close();
  });
});

describe('adoptLoaderStub', () => {
  test('ignores anything that is not a loader stub', () => {
    const api = { init: jest.fn() };
    for (const value of [undefined, null, 1, {}, { q: 'x' }]) adoptLoaderStub(value, api);
    expect(api.init).not.toHaveBeenCalled();
  });

  test('rejects recorded calls to names the API does not have, own keys only', async () => {
    const rejections: unknown[] = [];
    const stub = {
      q: [
        ['__proto__', [], jest.fn(), (e: unknown) => rejections.push(e)],
        ['toString', [], jest.fn(), (e: unknown) => rejections.push(e)],
      ],
    };
    adoptLoaderStub(stub, { init: jest.fn() });
    expect(rejections).toHaveLength(2);
    expect(rejections[0]).toMatchObject({ code: 'validation' });
  });

  test('a method that throws synchronously rejects its recorded promise', () => {
    const error = new Error('sync boom');
    const reject = jest.fn();
    adoptLoaderStub(
      { q: [['init', [], jest.fn(), reject]] },
      {
        init: () => {
          throw error;
        },
      },
    );
    expect(reject).toHaveBeenCalledWith(error);
  });
});
