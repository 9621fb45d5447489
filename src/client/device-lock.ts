/**
 * One identity call at a time per device, across tabs: the Web Locks API
 * (`navigator.locks`) where the browser has it. The browser releases a lock
 * when its tab closes, so a tab closed mid-request never blocks the others.
 */
export interface DeviceLock {
  /** Runs `task` while holding the lock (or at once, without the API). */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** true when the lock is shared with other tabs (Web Locks present). */
  readonly crossTab: boolean;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** `name: null` gives the in-tab fallback (a client whose state no other tab shares). */
export function createDeviceLock(name: string | null): DeviceLock {
  const locks: LockManagerLike | undefined =
    name === null || typeof navigator === 'undefined'
      ? undefined
      : (navigator as { locks?: LockManagerLike }).locks;
  if (locks === undefined || typeof locks.request !== 'function') {
    // Without Web Locks the client's own serial queue is the only ordering.
    return { run: (task) => task(), crossTab: false };
  }
  return {
    crossTab: true,
    async run(task) {
      let granted = false;
      try {
        return await locks.request(name as string, () => {
          granted = true;
          return task();
        });
      } catch (error) {
        // Refused before running (a SecurityError in opaque origins such as
        // sandboxed iframes): go on without the lock rather than fail the call.
        if (granted) throw error;
        return task();
      }
    },
  };
}
