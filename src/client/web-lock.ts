import { IdentityError } from '../errors';

/**
 * One Web Lock (`navigator.locks`) by name, for the identity calls (one at a
 * time per device) and the alias outbox (one sending tab per database). The
 * browser releases a lock when its tab closes, so a tab closed mid-request
 * never blocks the others.
 *
 * Where the API is missing, or refuses before granting (a SecurityError in
 * opaque origins such as sandboxed iframes), the task runs without the lock
 * rather than fail: each tab's own serial queue still orders its work.
 */
export interface WebLock {
  /**
   * Runs `task` holding the lock. With `ifAvailable`, resolves `undefined`
   * without running it when another tab holds the lock. Rejects with the
   * task's IdentityError, or with IdentityError 'storage' when anything else
   * fails (never with a bare DOMException).
   */
  run<T>(task: () => Promise<T>, ifAvailable?: false): Promise<T>;
  run<T>(task: () => Promise<T>, ifAvailable: boolean): Promise<T | undefined>;
  /** true when the lock is shared with other tabs (Web Locks present). */
  readonly crossTab: boolean;
}

interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

/**
 * `name: null` gives the in-tab fallback (a client whose state no other tab
 * shares); so does `shared()` answering false at the time of a run (a client
 * in memory, until it persists).
 */
export function createWebLock(name: string | null, shared = () => true): WebLock {
  const locks: LockManagerLike | undefined =
    name === null || typeof navigator === 'undefined'
      ? undefined
      : (navigator as { locks?: LockManagerLike }).locks;
  if (typeof locks?.request !== 'function') {
    return { run: (task: () => Promise<unknown>) => task(), crossTab: false } as WebLock;
  }
  const run = async <T>(task: () => Promise<T>, ifAvailable = false): Promise<T | undefined> => {
    if (!shared()) return task();
    let granted = false;
    try {
      return await locks!.request(name as string, { ifAvailable }, async (lock) => {
        granted = true;
        // null: ifAvailable, and another tab holds it
        return lock === null ? undefined : task();
      });
    } catch (error) {
      // Refused before running: go on without the lock rather than fail the call.
      if (!granted) return task();
      // The SDK's tasks fail with IdentityErrors, passed on as they are; anything
      // else failed in the lock itself.
      if (error instanceof IdentityError) throw error;
      throw new IdentityError('storage', `the lock "${name}" failed`, { cause: error });
    }
  };
  return { run, crossTab: true } as WebLock;
}
