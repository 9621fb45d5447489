import { IdentityError } from '../../src/errors';
import { createWebLock } from '../../src/client/web-lock';

/**
 * A lock manager whose release takes as long as the test says: the browser
 * releases a Web Lock with a round trip of its own after the callback settles.
 */
function slowReleaseLocks() {
  const releases: (() => void)[] = [];
  const locks = {
    async request<T>(_name: string, _options: object, callback: (lock: object) => Promise<T>) {
      const result = await callback({});
      await new Promise<void>((released) => releases.push(released));
      return result;
    },
  };
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  return {
    releaseAll: () => releases.splice(0).forEach((release) => release()),
    restore: () => delete (navigator as { locks?: unknown }).locks,
  };
}

describe('createWebLock', () => {
  let fake: ReturnType<typeof slowReleaseLocks>;
  beforeEach(() => (fake = slowReleaseLocks()));
  afterEach(() => {
    fake.releaseAll();
    fake.restore();
  });

  test('a run settles with its task, before the browser has released the lock', async () => {
    const lock = createWebLock('idsync:test');
    await expect(lock.run(async () => 42)).resolves.toBe(42);
    await expect(
      lock.run(async () => Promise.reject(new IdentityError('server', 'no'))),
    ).rejects.toMatchObject({
      code: 'server',
    });
  });

  test('a task failing with anything else surfaces as IdentityError storage, run once', async () => {
    const lock = createWebLock('idsync:test');
    let runs = 0;
    const failing = lock.run(async () => {
      runs += 1;
      throw new TypeError('boom');
    });
    await expect(failing).rejects.toMatchObject({ code: 'storage' });
    expect(runs).toBe(1);
  });
});
