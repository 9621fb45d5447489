import { IdentityError } from '../errors';
import { lazy } from '../lazy';
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
import type { CallKind, IdentityCallParts, SendKind } from './identity-calls';
import type { ClientOptions } from './options';
import type { UserCache } from './user-cache';
import { sameRecord } from './user-change';

const invalid: Fail = failWith('validation');

/**
 * The exchange with the backend of identify, login, logout and modify, and
 * how its answer is settled. Loaded on the first identity call
 * (identity-calls.ts): a page that only reads the stored user never runs it.
 * Each function runs inside the calls' order and lock.
 */
export interface IdentityExchange {
  /** Sends a valid request from the current user. */
  send(kind: SendKind, valid: IdentityRequest): Promise<IdentityResult>;
  /** Sends identity changes of the current user. */
  modify(changes: IdentityRequest['userIdentities']): Promise<IdentityResult>;
}

export function createIdentityExchange(
  parts: IdentityCallParts,
  callContext: () => CallContext,
): IdentityExchange {
  const { options, cache, committer } = parts;
  const { backend, environment, now } = options;
  const settle = createSettle(parts);
  return {
    async send(kind, valid) {
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
    },
    async modify(changes) {
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
      const response = await callBackend(() =>
        backend.modify(current.mpid, request, callContext()),
      );
      // modify never changes the MPID, whatever the backend says.
      const checked = { ...checkResponse(response, true), mpid: current.mpid };
      return settle('modify', checked, (merged) => applyIdentityChanges(merged, changes));
    },
  };
}

/** How identities change on a successful modify: null removes one. */
export function applyIdentityChanges(
  identities: Identities,
  changes: Partial<Record<IdentityType, string | null>>,
): Identities {
  const out: Identities = { ...identities };
  for (const [type, value] of Object.entries(changes) as [IdentityType, string | null][]) {
    if (value === null) delete out[type];
    else out[type] = value;
  }
  return out;
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
    if (copying && copyRules === null) copyRules = await loadCopyRules();
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
const loadCopyRules = lazy(() => import('./copy-on-change'));

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
