import { createIdentity } from '../../src';
import type { IdentityClient, IdentityOptions } from '../../src/types';
import {
  createFakeBackend,
  fakeClock,
  freshDbName,
  spyLogger,
  type FakeBackend,
  type SpyLogger,
} from '../client/fake-backend';

export interface Started {
  client: IdentityClient;
  backend: FakeBackend;
  clock: ReturnType<typeof fakeClock>;
  logger: SpyLogger;
  dbName: string;
}

/** A client on a fresh database with an injected clock; its start-up identify has run. */
export async function start(more: Partial<IdentityOptions> = {}): Promise<Started> {
  const backend = createFakeBackend();
  const clock = fakeClock();
  const logger = spyLogger();
  const dbName = freshDbName();
  const client = await createIdentity({ backend, dbName, logger, now: clock.now, ...more });
  return { client, backend, clock, logger, dbName };
}

export const aliasCalls = (backend: FakeBackend) =>
  backend.calls.filter((call) => call.method === 'alias');

/** Resolves when the backend's next alias call starts (no guessing how long IndexedDB takes). */
export function nextAlias(backend: FakeBackend): Promise<void> {
  return new Promise((resolve) => {
    const alias = backend.alias.bind(backend);
    backend.alias = (req, ctx) => {
      backend.alias = alias;
      resolve();
      return alias(req, ctx);
    };
  });
}

/**
 * A stand-in for navigator.locks: exclusive locks by name, `ifAvailable`
 * answered with `null` while held. `holdElsewhere` plays another tab.
 */
export function installFakeLocks(): {
  requested: string[];
  holdElsewhere(name: string): () => void;
  uninstall(): void;
} {
  const held = new Set<string>();
  const waiters = new Map<string, (() => void)[]>();
  const requested: string[] = [];
  const release = (name: string): void => {
    held.delete(name);
    waiters.get(name)?.shift()?.();
  };
  const acquire = async (name: string): Promise<void> => {
    if (held.has(name))
      await new Promise<void>((r) => waiters.set(name, [...(waiters.get(name) ?? []), r]));
    held.add(name);
  };
  const locks = {
    async request(
      name: string,
      options: { ifAvailable?: boolean },
      callback: (lock: { name: string } | null) => Promise<unknown>,
    ): Promise<unknown> {
      requested.push(name);
      if (options.ifAvailable === true && held.has(name)) return callback(null);
      await acquire(name);
      try {
        return await callback({ name });
      } finally {
        release(name);
      }
    },
  };
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  return {
    requested,
    holdElsewhere(name: string) {
      held.add(name);
      return () => release(name);
    },
    uninstall() {
      delete (navigator as unknown as Record<string, unknown>).locks;
    },
  };
}
