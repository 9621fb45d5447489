import { IdentityError } from '../errors';
import { lockManager } from './lock-manager';

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
}

/**
 * `name: null` gives the in-tab fallback (a client whose state no other tab
 * shares); so does `shared()` answering false at the time of a run (a client
 * in memory, until it persists).
 */
export function createWebLock(name: string | null, shared = () => true): WebLock {
  const locks = name === null ? undefined : lockManager();
  if (locks === undefined) {
    return { run: (task: () => Promise<unknown>) => task() } as WebLock;
  }
  const run = async <T>(task: () => Promise<T>, ifAvailable = false): Promise<T | undefined> => {
    if (!shared()) return task();
    let running: Promise<T | undefined> | undefined;
    try {
      await new Promise<void>((granted, refused) => {
        locks
          .request(name as string, { ifAvailable }, (lock) => {
            // null: ifAvailable, and another tab holds it
            running = lock === null ? Promise.resolve(undefined) : Promise.resolve().then(task);
            granted();
            // Held until the task ends. The caller hears the task's outcome at
            // once, not after the browser's round trip that releases the lock
            // (this tab's next request queues behind that release anyway).
            return running.catch(() => undefined);
          })
          .catch(refused);
      });
    } catch {
      // Refused before running: go on without the lock rather than fail the call.
      return task();
    }
    try {
      return await running;
    } catch (error) {
      // The SDK's tasks fail with IdentityErrors, passed on as they are; anything
      // else failed in the lock itself.
      if (error instanceof IdentityError) throw error;
      throw new IdentityError('storage', `the lock "${name}" failed`, { cause: error });
    }
  };
  return { run } as WebLock;
}
