import { IdentityError } from '../../src/errors';
import { lazy } from '../../src/lazy';

describe('lazy', () => {
  test('loads once and keeps what it loaded', async () => {
    let loads = 0;
    const load = lazy(async () => ({ n: ++loads }));
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(await load()).toBe(a);
    expect(loads).toBe(1);
  });

  test('a failed load is IdentityError network, and the next need tries again', async () => {
    const chunkError = new TypeError('Failed to fetch dynamically imported module');
    let tries = 0;
    const load = lazy(async () => {
      tries += 1;
      if (tries === 1) throw chunkError;
      return 'code';
    });
    const failure = await load().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IdentityError);
    expect(failure).toMatchObject({ code: 'network', cause: chunkError });
    await expect(load()).resolves.toBe('code');
    expect(tries).toBe(2);
  });

  test('a load built on another lazy load passes its IdentityError on as it is', async () => {
    const inner = lazy(async () => {
      throw new TypeError('Failed to fetch dynamically imported module');
    });
    const outer = lazy(async () => ({ code: await inner() }));
    const failure = (await outer().catch((error: unknown) => error)) as IdentityError;
    expect(failure).toMatchObject({ code: 'network' });
    expect(failure.cause).toBeInstanceOf(TypeError);
  });
});
