import { createConsoleLogger } from '../../src/client/logger';
import { createSerialQueue } from '../../src/client/serial-queue';
import { randomUuid } from '../../src/uuid';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  test('uses crypto.randomUUID when present', () => {
    const spy = jest.spyOn(crypto, 'randomUUID');
    expect(randomUuid()).toMatch(UUID_V4);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  test('falls back to a v4 UUID from getRandomValues (insecure contexts)', () => {
    const saved = crypto.randomUUID;
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const ids = new Set(Array.from({ length: 50 }, () => randomUuid()));
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(UUID_V4);
    } finally {
      Object.defineProperty(crypto, 'randomUUID', { value: saved, configurable: true });
    }
  });
});

describe('createConsoleLogger', () => {
  test('warn and above by default', () => {
    const spies = (['debug', 'info', 'warn', 'error'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => undefined),
    );
    const logger = createConsoleLogger();
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(spies.map((s) => s.mock.calls.length)).toEqual([0, 0, 1, 1]);
    createConsoleLogger('debug').debug('d');
    expect(spies[0]!.mock.calls).toEqual([['d']]);
    for (const s of spies) s.mockRestore();
  });
});

describe('createSerialQueue', () => {
  test('runs tasks one at a time in order; a failure does not block the next', async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = queue(async () => {
      log.push('first start');
      await new Promise<void>((r) => (releaseFirst = r));
      log.push('first end');
      throw new Error('first failed');
    });
    const second = queue(async () => {
      log.push('second');
      return 2;
    });
    await Promise.resolve();
    expect(log).toEqual(['first start']);
    releaseFirst();
    await expect(first).rejects.toThrow('first failed');
    await expect(second).resolves.toBe(2);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });
});
