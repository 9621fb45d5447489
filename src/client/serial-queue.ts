/**
 * Runs tasks one at a time, in the order they were given. A task starts once
 * the previous one has settled, whether it resolved or failed, so one failure
 * never blocks the queue.
 */
export type SerialQueue = <T>(task: () => Promise<T>) => Promise<T>;

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task);
    tail = result.catch(() => undefined);
    return result;
  };
}
