import type { CallContext, IdentityRequest, IdentityResult, IdentityType } from '../types';
import { failWith, type Fail } from '../validation/plain';
import type { Committer } from './committer';
import { createIdentityExchange } from './identity-exchange';
import { callContextOf } from './lazy-identity-calls';
import type { Listeners } from './listeners';
import type { ClientOptions } from './options';
import { validateIdentityRequest } from './requests';
import { isDeviceIdType } from '../identity-types';
import { createSerialQueue } from './serial-queue';
import type { UserCache } from './user-cache';
import { createWebLock } from './web-lock';

export type CallKind = 'identify' | 'login' | 'logout' | 'modify';
export type SendKind = Exclude<CallKind, 'modify'>;

const invalid: Fail = failWith('validation');

export interface IdentityCallParts {
  options: ClientOptions;
  cache: UserCache;
  committer: Committer;
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
   * is current or the request names login identities it lacks (`identifyNeeded`).
   */
  identifyOnStart(request: IdentityRequest): Promise<void>;
  /** Runs `task` in the calls' order, under the lock, on current state (reset, persist). */
  inTurn<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * `identifyOnInit`'s rule: sent when no user is current, or when the request
 * names a login identity that the current user does not hold with that value
 * (someone else signed in). Login identities, as the client can tell them
 * without the service's configuration: every type but the device
 * identifiers (DEVICE_ID_TYPES), since any of them names a person.
 */
export function identifyNeeded(request: IdentityRequest, cache: UserCache): boolean {
  const user = cache.currentUser();
  return (
    user === null ||
    (Object.keys(request.userIdentities) as IdentityType[]).some(
      (type) => !isDeviceIdType(type) && user.identities[type] !== request.userIdentities[type],
    )
  );
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
  const { options, cache, committer, ensureOpen } = parts;
  const queue = createSerialQueue();
  // The device-wide lock of identity calls: only a store other tabs share
  // needs one, and a client may start sharing (persist) or stop (fallback).
  const lock = createWebLock(`idsync:${options.dbName}`, () => committer.storage === 'indexeddb');
  const callContext = (): CallContext => callContextOf(options, committer);
  const exchange = createIdentityExchange(parts, callContext);

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
      return exclusive(() => exchange.send(kind, valid));
    },
    async modify(request) {
      ensureOpen();
      const valid = validateIdentityRequest(request, 'request', true);
      if (Object.keys(valid.userIdentities).length === 0) {
        invalid('request.userIdentities must name at least one identity to change');
      }
      return exclusive(() => exchange.modify(valid.userIdentities));
    },
    identifyOnStart: (request) =>
      // When tabs open together on a fresh browser, the first one identifies
      // and the others adopt its user.
      exclusive(async () => {
        if (identifyNeeded(request, cache)) {
          await exchange.send('identify', request);
        }
      }, true),
    inTurn: (task) => exclusive(task),
  };
}
