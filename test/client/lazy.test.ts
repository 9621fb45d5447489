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
});
