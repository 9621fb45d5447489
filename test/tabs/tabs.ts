import type { IdentityClient, UserChangeEvent } from '../../src/types';

/**
 * A stand-in for `navigator.locks` (jsdom has no Web Locks): one FIFO queue
 * per lock name, shared by every client of the test, as tabs share a browser.
 */
export function installFakeLocks(): {
  requested: string[];
  /** requests not granted yet */
  waiting(): number;
  restore(): void;
} {
  const tails = new Map<string, Promise<unknown>>();
  const requested: string[] = [];
  let waiting = 0;
  const locks = {
    // The Web Locks signature: request(name, callback) or request(name, options, callback).
    request<T>(
      name: string,
      optionsOrCallback: object | ((lock: { name: string }) => Promise<T>),
      maybeCallback?: (lock: { name: string }) => Promise<T>,
    ): Promise<T> {
      const callback =
        maybeCallback ?? (optionsOrCallback as (lock: { name: string }) => Promise<T>);
      requested.push(name);
      waiting += 1;
      const granted = (tails.get(name) ?? Promise.resolve()).then(() => {
        waiting -= 1;
        return callback({ name });
      });
      tails.set(
        name,
        granted.catch(() => undefined),
      );
      return granted;
    },
  };
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  return {
    requested,
    waiting: () => waiting,
    restore: () => {
      delete (navigator as { locks?: unknown }).locks;
    },
  };
}

/** A `navigator.locks` that refuses every request, as in an opaque origin. */
export function installRefusingLocks(): () => void {
  const locks = {
    request: () => Promise.reject(new DOMException('opaque origin', 'SecurityError')),
  };
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true });
  return () => {
    delete (navigator as { locks?: unknown }).locks;
  };
}

/** Hides BroadcastChannel from the SDK, as in a browser without it. */
export function withoutBroadcastChannel(): () => void {
  const saved = globalThis.BroadcastChannel;
  delete (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel;
  return () => {
    globalThis.BroadcastChannel = saved;
  };
}

/** The next event of `type` the client tells its listeners. */
export function nextEvent(
  client: IdentityClient,
  type: UserChangeEvent['type'] = 'sync',
): Promise<UserChangeEvent> {
  return new Promise((resolve) => {
    const stop = client.subscribe((event) => {
      if (event.type !== type) return;
      stop();
      resolve(event);
    });
  });
}

/** Every event a client tells, for asserting what did NOT happen. */
export function recordEvents(client: IdentityClient): UserChangeEvent[] {
  const events: UserChangeEvent[] = [];
  client.subscribe((event) => events.push(event));
  return events;
}
