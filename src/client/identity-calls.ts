import { IdentityError } from '../errors';
import type { StoreChange, UserRecord } from '../store/client-store';
import type {
  CallContext,
  Identities,
  IdentityChange,
  IdentityRequest,
  IdentityResult,
  IdentityType,
  User,
} from '../types';
import { failWith, type Fail } from '../validation/plain';
import { callBackend } from './backend-call';
import { checkResponse, type CheckedResponse } from './check-response';
import type { Committer } from './committer';
import type { Listeners } from './listeners';
import type { ClientOptions } from './options';
import { namesOtherLoginIds, validateIdentityRequest } from './requests';
import { createSerialQueue } from './serial-queue';
import type { UserCache } from './user-cache';
import { applyIdentityChanges, sameRecord } from './user-change';
import type { WebLock } from './web-lock';

type CallKind = 'identify' | 'login' | 'logout' | 'modify';
type SendKind = Exclude<CallKind, 'modify'>;

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
  /** before each call, after the catch-up: adopts a sibling subdomain's change (the identity cookie) */
  beforeCall(): Promise<void> | null;
}

export interface IdentityCalls {
  /** what every backend call gets: environment, device id, the service's latest context */
  callContext(): CallContext;
  send(kind: SendKind, request: unknown): Promise<IdentityResult>;
  modify(request: unknown): Promise<IdentityResult>;
  /**
   * `identifyOnInit`: under the lock, after a re-read, and only while no user
   * is current or the request names login identities the current user lacks.
   */
  identifyOnStart(request: IdentityRequest): Promise<void>;
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
  const { backend, environment, now } = options;
  const queue = createSerialQueue();
  const settle = createSettle(parts);

  const callContext = (): CallContext => ({
    environment,
    deviceId: committer.deviceId,
    context: committer.context,
  });

  /** Its turn in this tab, then the device lock, then a catch-up with other tabs' writes. */
  const exclusive = <T>(task: () => Promise<T>, alwaysCatchUp = false): Promise<T> =>
    queue(() =>
      lock.run(async () => {
        ensureOpen();
        const catchingUp = committer.catchUp(alwaysCatchUp);
        if (catchingUp !== null) await catchingUp;
        const siblings = parts.beforeCall();
        if (siblings !== null) await siblings;
        return task();
      }),
    );

  /** Sends a valid request from the current user; runs inside `exclusive`. */
  const sendNow = async (kind: SendKind, valid: IdentityRequest): Promise<IdentityResult> => {
    const sent = { ...valid.userIdentities } as Identities;
    if (sent.device_application_stamp === undefined)
      sent.device_application_stamp = committer.deviceId;
    const request = {
      knownIdentities: { ...sent },
      previousMpid: cache.currentMpid,
      environment,
      requestTimestampMs: now(),
    };
    const response = await callBackend(() => backend[kind](request, callContext()));
    return settle(kind, checkResponse(response, false), (merged) => ({ ...merged, ...sent }));
  };

  const modifyNow = async (changes: IdentityRequest['userIdentities']) => {
    // Checked when the call runs, not when it is made: an identify queued
    // before it may be what gives the client its current user.
    const mpid = cache.currentMpid;
    const current = mpid === null ? undefined : cache.record(mpid);
    if (current === undefined) invalid('modify needs a current user');
    const identityChanges: IdentityChange[] = (Object.keys(changes) as IdentityType[]).map(
      (identityType) => ({
        identityType,
        oldValue: current.identities[identityType] ?? null,
        newValue: changes[identityType] ?? null,
      }),
    );
    const request = { identityChanges, environment, requestTimestampMs: now() };
    const response = await callBackend(() => backend.modify(current.mpid, request, callContext()));
    // modify never changes the MPID, whatever the backend says.
    const checked = { ...checkResponse(response, true), mpid: current.mpid };
    return settle('modify', checked, (merged) => applyIdentityChanges(merged, changes));
  };

  // async: bad input rejects, never throws synchronously.
  return {
    callContext,
    async send(kind, request) {
      ensureOpen();
      // Validated now, at call time: bad input never waits in the queue.
      const valid = validateIdentityRequest(request, 'request', false);
      return exclusive(() => sendNow(kind, valid));
    },
    async modify(request) {
      ensureOpen();
      const valid = validateIdentityRequest(request, 'request', true);
      if (Object.keys(valid.userIdentities).length === 0) {
        invalid('request.userIdentities must name at least one identity to change');
      }
      return exclusive(() => modifyNow(valid.userIdentities));
    },
    identifyOnStart: (request) =>
      // When tabs open together on a fresh browser, the first one identifies
      // and the others adopt its user.
      exclusive(async () => {
        const mpid = cache.currentMpid;
        const user = mpid === null ? undefined : cache.record(mpid);
        if (user === undefined || namesOtherLoginIds(request, user.identities)) {
          await sendNow('identify', request);
        }
      }, true),
  };
}

type Settle = (
  kind: CallKind,
  response: CheckedResponse,
  identitiesOf: (merged: Identities) => Identities,
) => Promise<IdentityResult>;

/**
 * Applies a successful backend answer: one store commit holding the current
 * MPID, every record it touches and the service's new context; then the
 * `onUserAlias` hook; then the listeners.
 */
function createSettle(parts: IdentityCallParts): Settle {
  const { options, cache, committer, events, ensureOpen, hook } = parts;
  const { attributes, consent } = options.copyOnUserChange;
  // Loaded before the first commit that may need them, outside the commit mutex.
  let copyRules: CopyRules | null = null;
  const copying = attributes || consent;
  const changeOf = nextState(options, cache, () => copyRules);

  return async (kind, response, identitiesOf) => {
    if (copying && copyRules === null) copyRules = await import('./copy-on-change');
    const outcome = await committer.exclusive(async () => {
      ensureOpen();
      const previousMpid = cache.currentMpid;
      const before = previousMpid === null ? null : cache.user(previousMpid);
      const { mpid, change, recordChanged } = changeOf(response, identitiesOf);
      const newContext = response.context !== undefined && response.context !== committer.context;
      if (newContext) change.context = response.context;
      if (change.put !== undefined || newContext) await committer.commit(change);
      return { mpid, previousMpid, before, userChanged: mpid !== previousMpid, recordChanged };
    });

    const { mpid, previousMpid, before, userChanged, recordChanged } = outcome;
    // After the commit the previous user's snapshot carries its new lastSeen.
    const previousUser = userChanged && previousMpid !== null ? cache.user(previousMpid) : before;
    if (userChanged && previousUser !== null && options.onUserAlias !== undefined) {
      hook.running = true;
      try {
        await options.onUserAlias(previousUser, cache.user(mpid) as User);
      } catch (error) {
        options.logger.error('[idsync] onUserAlias threw', error);
      } finally {
        hook.running = false;
      }
    }
    // Read again: the hook may have written to the new user.
    const user = cache.user(mpid) as User;
    if (userChanged || recordChanged) events.notify({ type: kind, user, previousUser });
    const { httpCode } = response;
    return {
      httpCode,
      mpid,
      previousMpid,
      user,
      previousUser,
      userChanged,
      isLoggedIn: user.isLoggedIn,
    };
  };
}

type CopyRules = typeof import('./copy-on-change');

/** The store change an answer makes (no `put` when no user changes), from the latest records. */
function nextState(options: ClientOptions, cache: UserCache, copyRules: () => CopyRules | null) {
  const { copyOnUserChange, logger, now } = options;
  const copyFrom = (previous: UserRecord, next: UserRecord): UserRecord =>
    copyRules()?.copyFrom(previous, next, copyOnUserChange, logger) ?? next;

  return (response: CheckedResponse, identitiesOf: (merged: Identities) => Identities) => {
    const previousMpid = cache.currentMpid;
    const mpid = response.mpid ?? previousMpid;
    if (mpid === null) throw new IdentityError('server', 'backend answered without an mpid');
    const userChanged = mpid !== previousMpid;
    const t = now();
    const base: UserRecord = cache.record(mpid) ?? {
      mpid,
      identities: {},
      attributes: {},
      consent: {},
      isLoggedIn: false,
      firstSeen: t,
      lastSeen: t,
    };
    let next: UserRecord = {
      ...base,
      identities: identitiesOf({ ...base.identities, ...response.matchedIdentities }),
      isLoggedIn: response.isLoggedIn ?? base.isLoggedIn,
    };
    const put: UserRecord[] = [];
    if (userChanged) {
      next.lastSeen = t;
      const previous = previousMpid === null ? undefined : cache.record(previousMpid);
      if (previous !== undefined) {
        put.push({ ...previous, lastSeen: t });
        next = copyFrom(previous, next);
      }
    }
    const recordChanged = !sameRecord(base, next);
    const change: StoreChange = {};
    if (userChanged || recordChanged) {
      put.push(next);
      change.currentMpid = mpid;
      change.put = put;
    }
    return { mpid, change, recordChanged };
  };
}
