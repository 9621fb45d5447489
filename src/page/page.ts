import { createIdentity } from '../client/create-identity';
import { IdentityError } from '../errors';
import type {
  IdentityBackend,
  IdentityClient,
  IdentityOptions,
  IdentityRequest,
  IdentityResult,
} from '../types';
import { isPlainObject } from '../validation/plain';

/**
 * `IDSync.init` options: IdentityOptions, except that `backend` may also be a
 * factory called with the loaded library. Code that runs before the bundle
 * (the loader snippet) cannot name `IDSync.LocalResolver` yet, so it writes
 * `backend: (IDSync) => new IDSync.LocalResolver({ ... })`.
 */
export interface PageOptions<Lib> extends Omit<IdentityOptions, 'backend'> {
  /** a backend, or a factory called with the loaded library once the bundle is there */
  backend: IdentityBackend | ((lib: Lib) => IdentityBackend);
}

/**
 * The page's one client, for script-tag users: `init` once, then identity
 * calls on the global. Calls made before (or while) `init` runs wait for it,
 * in call order; if it fails they reject with its error.
 */
export interface Page<Lib> {
  /**
   * Creates the page's client with `createIdentity`; once per page (a second call rejects
   * with `validation`), or again after a failed one.
   */
  init(options: PageOptions<Lib>): Promise<IdentityClient>;
  /** Resolves with the page's client once `init` has succeeded, calling `callback` first. */
  ready(callback?: (client: IdentityClient) => void): Promise<IdentityClient>;
  /** The page client's `identify`, in call order with the other calls. */
  identify(request?: IdentityRequest): Promise<IdentityResult>;
  /** The page client's `login`, in call order with the other calls. */
  login(request: IdentityRequest): Promise<IdentityResult>;
  /** The page client's `logout`, in call order with the other calls. */
  logout(request?: IdentityRequest): Promise<IdentityResult>;
  /** The page client's `modify`, in call order with the other calls. */
  modify(request: IdentityRequest): Promise<IdentityResult>;
  /** The page's client, or null before `init` has succeeded. */
  getClient(): IdentityClient | null;
}

interface Pending {
  promise: Promise<IdentityClient>;
  resolve(client: IdentityClient): void;
  reject(error: unknown): void;
}

function pending(): Pending {
  let resolve!: Pending['resolve'];
  let reject!: Pending['reject'];
  const promise = new Promise<IdentityClient>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  // Callers get promises derived from this one; an init failure nobody waits
  // for is reported through the promise init returned, not twice.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export function createPage<Lib>(lib: Lib, create = createIdentity): Page<Lib> {
  let client: IdentityClient | null = null;
  let state: 'waiting' | 'starting' | 'ready' | 'failed' = 'waiting';
  let started = pending();

  const withBackend = (options: PageOptions<Lib>): IdentityOptions => {
    if (!isPlainObject(options) || typeof options.backend !== 'function') {
      return options as IdentityOptions; // createIdentity validates the rest
    }
    return { ...options, backend: options.backend(lib) };
  };

  const init = (options: PageOptions<Lib>): Promise<IdentityClient> => {
    if (state === 'starting' || state === 'ready') {
      return Promise.reject(new IdentityError('validation', 'IDSync.init was already called'));
    }
    // After a failed init, calls wait for this new attempt instead.
    if (state === 'failed') started = pending();
    state = 'starting';
    const attempt = started;
    const result = (async () => create(withBackend(options)))();
    result.then(
      (created) => {
        client = created;
        state = 'ready';
        attempt.resolve(created);
      },
      (error: unknown) => {
        state = 'failed';
        attempt.reject(error);
      },
    );
    return result;
  };

  // Every call chains on the same promise, so calls reach the client in call order.
  const withClient = <T>(use: (client: IdentityClient) => Promise<T>): Promise<T> =>
    started.promise.then(use);

  return {
    init,
    ready(callback) {
      if (callback !== undefined && typeof callback !== 'function') {
        return Promise.reject(new IdentityError('validation', 'ready(callback): not a function'));
      }
      return withClient(async (ready) => {
        callback?.(ready);
        return ready;
      });
    },
    identify: (request) => withClient((c) => c.identify(request)),
    login: (request) => withClient((c) => c.login(request)),
    logout: (request) => withClient((c) => c.logout(request)),
    modify: (request) => withClient((c) => c.modify(request)),
    getClient: () => client,
  };
}
