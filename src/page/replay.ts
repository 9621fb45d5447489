import { IdentityError } from '../errors';

/** One call recorded by the loader snippet: method name, arguments, its promise's settlers. */
type QueuedCall = [
  name: string,
  args: ArrayLike<unknown>,
  resolve: (value: unknown) => void,
  reject: (error: unknown) => void,
];

/** What src/snippet/snippet.js puts on `window.IDSync` until the bundle arrives. */
interface LoaderStub {
  q: QueuedCall[];
}

function isLoaderStub(value: unknown): value is LoaderStub {
  return typeof value === 'object' && value !== null && Array.isArray((value as LoaderStub).q);
}

/**
 * Takes over the loader snippet's stub, if there is one: first copies the
 * real API onto it (a reference the page kept to the stub then reaches the
 * real calls), then replays the recorded calls in order, settling each
 * recorded promise with the real result or error.
 *
 * Runs before the bundle's global replaces the stub, so it is the only reader
 * of the queue.
 */
export function adoptLoaderStub(stub: unknown, api: Record<string, unknown>): void {
  if (!isLoaderStub(stub)) return;
  const queue = stub.q.splice(0);
  Object.assign(stub, api);
  delete (stub as Partial<LoaderStub>).q;
  for (const [name, args, resolve, reject] of queue) {
    const method = Object.prototype.hasOwnProperty.call(api, name) ? api[name] : undefined;
    if (typeof method !== 'function') {
      reject(new IdentityError('validation', `IDSync.${String(name)} is not a function`));
      continue;
    }
    try {
      Promise.resolve(method(...Array.from(args))).then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  }
}
