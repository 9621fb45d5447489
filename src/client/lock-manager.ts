/** The part of the Web Locks API (`navigator.locks`) the SDK uses. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

/** The browser's Web Locks, or undefined where there are none (old browsers, Node, insecure pages). */
export function lockManager(): LockManagerLike | undefined {
  const locks =
    typeof navigator === 'undefined' ? undefined : (navigator as { locks?: LockManagerLike }).locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}
