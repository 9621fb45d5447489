import { lazy } from '../lazy';
import type { CallContext, IdentityRequest, IdentityResult } from '../types';
import { failWith, type Fail } from '../validation/plain';
import type { Committer } from './committer';
import type { IdentityExchange } from './identity-exchange';
import type { Listeners } from './listeners';
import type { ClientOptions } from './options';
import { identifyNeeded, validateIdentityRequest } from './requests';
import { createSerialQueue } from './serial-queue';
import type { UserCache } from './user-cache';
import type { WebLock } from './web-lock';

export type CallKind = 'identify' | 'login' | 'logout' | 'modify';
export type SendKind = Exclude<CallKind, 'modify'>;

const invalid: Fail = failWith('validation');

export interface IdentityCallParts {
  options: ClientOptions;
  cache: UserCache;
  committer: Committer;
  /** the device-wide lock of identity calls */
  lock: WebLock;
  events: Listeners;
  ensureOpen(): void;
  /** true while `onUserAlias` runs: the writes it makes are announced by the call's own event */
  hook: { running: boolean };
}

export interface IdentityCalls {
  /** what every backend call gets: environment, device id, the service's latest context */
  callContext(): CallContext;
  send(kind: SendKind, request: unknown): Promise<IdentityResult>;
  modify(request: unknown): Promise<IdentityResult>;
  /**
   * `identifyOnInit`: under the lock, after a re-read, and only while no user
   * is current or the request names login identities it lacks (requests.ts).
   */
  identifyOnStart(request: IdentityRequest): Promise<void>;
  /** Runs `task` in the calls' order, under the lock, on current state (reset, persist). */
  inTurn<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * identify, login, logout and modify. They run one at a time in call order
 * (in this tab), each holding the device-wide lock (across tabs), on state
 * that is current with the store, so that no tab sends a stale
 * `previousMpid`; each answer is settled in one commit.
 *
 * (One closure, longer than most: the queue, the lock and the settle step are
 * shared by the four calls; each function in it is short.)
 */
export function createIdentityCalls(parts: IdentityCallParts): IdentityCalls {
  const { options, cache, committer, lock, ensureOpen } = parts;
  const queue = createSerialQueue();

  const callContext = (): CallContext => ({
    environment: options.environment,
    deviceId: committer.deviceId,
    context: committer.context,
  });

  // The exchange with the backend (identity-exchange.ts) loads on the first
  // call, while the call waits for its turn: start-up with a stored user
  // loads none of it. Once loaded it runs with no extra await, as if it were
  // here; a failed load is tried again by the next call.
  let exchange: IdentityExchange | null = null;
  const loadExchange = lazy(() =>
    import('./identity-exchange').then(
      (code) => (exchange = code.createIdentityExchange(parts, callContext)),
    ),
  );
  /** The exchange inside a call's turn: at once when loaded. */
  const withExchange = async <T>(run: (loaded: IdentityExchange) => Promise<T>): Promise<T> =>
    run(exchange ?? (await loadExchange()));

  /** Its turn in this tab, then the device lock, then a catch-up with other tabs' writes. */
  const exclusive = <T>(task: () => Promise<T>, alwaysCatchUp = false): Promise<T> =>
    queue(() =>
      lock.run(async () => {
        ensureOpen();
        const catchingUp = committer.catchUp(alwaysCatchUp);
        if (catchingUp !== null) await catchingUp;
        return task();
      }),
    );

  // async: bad input rejects, never throws synchronously.
  return {
    callContext,
    async send(kind, request) {
      ensureOpen();
      // Validated now, at call time: bad input never waits in the queue.
      const valid = validateIdentityRequest(request, 'request', false);
      if (exchange === null) loadExchange().catch(() => undefined); // a failure is the call's, below
      return exclusive(() => withExchange((loaded) => loaded.send(kind, valid)));
    },
    async modify(request) {
      ensureOpen();
      const valid = validateIdentityRequest(request, 'request', true);
      if (Object.keys(valid.userIdentities).length === 0) {
        invalid('request.userIdentities must name at least one identity to change');
      }
      if (exchange === null) loadExchange().catch(() => undefined);
      return exclusive(() => withExchange((loaded) => loaded.modify(valid.userIdentities)));
    },
    identifyOnStart: (request) =>
      // When tabs open together on a fresh browser, the first one identifies
      // and the others adopt its user.
      exclusive(async () => {
        if (identifyNeeded(request, cache)) {
          await withExchange((loaded) => loaded.send('identify', request));
        }
      }, true),
    inTurn: (task) => exclusive(task),
  };
}
