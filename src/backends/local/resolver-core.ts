/**
 * The resolver's decisions (docs/strategies.md, docs/aliasing.md), free of
 * storage and clock: each function reads through a `ProfileLookup`, works on
 * copies, and returns the profiles to write. What differs between strategies
 * is asked of the configured strategy object (./strategies); the rest is the
 * same for all. The in-page LocalResolver and the Node server run exactly
 * this code over their own stores.
 */
import { IdentityError } from '../../errors';
import { isIdentityType } from '../../identity-types';
import type {
  AliasRequest,
  BackendResponse,
  IdentityChange,
  Identities,
  IdentityType,
  Profile,
} from '../../types';
import { validateAliasRequest } from '../../validation/alias';
import { MAX_IDENTITY_LENGTH, validateIdentities } from '../../validation/identities';
import { isMpid } from '../../validation/mpid';
import { failWith, isPlainObject, safeKeys, type Fail } from '../../validation/plain';
import type { ProfileLookup, ProfileWrites } from './profile-store';
import type { ResolverConfig } from './resolver-config';
import type { Matcher } from './strategies/strategy';

/** What a decision may know of the world besides the store. */
export interface DecisionContext {
  now: number;
  newMpid: () => string;
}

export interface Decision<T> {
  result: T;
  writes: ProfileWrites;
}

/** The three identity calls, plus a feed: data arriving outside the Identity API. */
export type ResolveKind = 'identify' | 'login' | 'logout' | 'feed';

/** The fields of a BackendRequest the resolver uses, validated. */
export interface ResolveInput {
  knownIdentities: Identities;
  previousMpid: string | null;
}

/** A backend answers bad input with 400, like the service. */
export const badRequest: Fail = failWith('bad_request');

const MAX_IDENTITY_CHANGES = 100;

/* ----------------------------------------------------------- validation */

export function validateBackendRequest(value: unknown): ResolveInput {
  if (!isPlainObject(value)) badRequest('request must be an object');
  safeKeys(value, 'request', badRequest);
  const knownIdentities = validateIdentities(value.knownIdentities, 'knownIdentities', badRequest);
  const { previousMpid, environment, requestTimestampMs } = value;
  if (previousMpid !== undefined && previousMpid !== null && !isMpid(previousMpid)) {
    badRequest('previousMpid must be null or a decimal 64-bit integer string');
  }
  if (environment !== undefined && environment !== 'development' && environment !== 'production') {
    badRequest('environment must be "development" or "production"');
  }
  if (requestTimestampMs !== undefined && !Number.isFinite(requestTimestampMs)) {
    badRequest('requestTimestampMs must be a number (ms since epoch)');
  }
  return { knownIdentities, previousMpid: previousMpid ?? null };
}

export function validateModifyRequest(mpid: unknown, value: unknown): IdentityChange[] {
  if (!isMpid(mpid)) badRequest('mpid must be a decimal 64-bit integer string');
  if (!isPlainObject(value)) badRequest('modify request must be an object');
  safeKeys(value, 'request', badRequest);
  const changes = value.identityChanges;
  if (!Array.isArray(changes)) badRequest('identityChanges must be an array');
  if (changes.length > MAX_IDENTITY_CHANGES) {
    badRequest(`identityChanges holds more than ${MAX_IDENTITY_CHANGES} entries`);
  }
  const seen = new Set<IdentityType>();
  return (changes as unknown[]).map((change, i) => {
    const field = `identityChanges[${i}]`;
    if (!isPlainObject(change)) badRequest(`${field} must be an object`);
    safeKeys(change, field, badRequest);
    const { identityType, oldValue, newValue } = change;
    if (!isIdentityType(identityType)) badRequest(`${field}.identityType: unknown identity type`);
    if (seen.has(identityType)) badRequest(`${field}.identityType: "${identityType}" given twice`);
    seen.add(identityType);
    return {
      identityType,
      oldValue: valueOrNull(oldValue, `${field}.oldValue`),
      newValue: valueOrNull(newValue, `${field}.newValue`),
    };
  });
}

/** An identity value of a change: absent counts as null. */
function valueOrNull(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IDENTITY_LENGTH) {
    badRequest(`${field} must be null or a string of 1-${MAX_IDENTITY_LENGTH} characters`);
  }
  return value;
}

/* ------------------------------------------------------- profile helpers */

function holds(profile: Profile, type: IdentityType, value: string): boolean {
  return (
    profile.identities[type] === value ||
    (profile.additionalIdentities?.[type]?.includes(value) ?? false)
  );
}

function hasLoginId(profile: Profile, config: ResolverConfig): boolean {
  for (const type of config.loginIds) if (profile.identities[type] !== undefined) return true;
  return false;
}

/** Every value of a type on a profile, the one in `identities` first. */
function valuesOf(profile: Profile, type: IdentityType): string[] {
  const first = profile.identities[type];
  const rest = profile.additionalIdentities?.[type] ?? [];
  return first === undefined ? [...rest] : [first, ...rest];
}

function setValues(profile: Profile, type: IdentityType, values: string[]): void {
  const [first, ...rest] = values;
  if (first === undefined) delete profile.identities[type];
  else profile.identities[type] = first;
  if (rest.length > 0) (profile.additionalIdentities ??= {})[type] = rest;
  else if (profile.additionalIdentities) {
    delete profile.additionalIdentities[type];
    if (Object.keys(profile.additionalIdentities).length === 0) delete profile.additionalIdentities;
  }
}

/** Known exactly when a login ID is present; regaining one ends orphanhood. */
function refreshKnown(profile: Profile, config: ResolverConfig): void {
  profile.isKnown = hasLoginId(profile, config);
  if (profile.isKnown) delete profile.orphanedAt;
}

function mostRecent(profiles: Profile[]): Profile | null {
  let best: Profile | null = null;
  for (const profile of profiles) if (!best || profile.lastSeen > best.lastSeen) best = profile;
  return best;
}

export function toResponse(profile: Profile): BackendResponse {
  return {
    httpCode: 200,
    mpid: profile.mpid,
    isLoggedIn: profile.isKnown,
    matchedIdentities: { ...profile.identities },
    context: null,
    isEphemeral: false,
  };
}

/* ------------------------------------------------------------ the draft */

/**
 * One decision's view of the store: every profile it reads is kept as one
 * object per MPID, so a change made early is seen by every later lookup, and
 * the profiles it changed are written together at the end (or none, if the
 * decision throws).
 */
function draftOver(lookup: ProfileLookup, config: ResolverConfig, ctx: DecisionContext) {
  const read = new Map<string, Profile>();
  const changed = new Set<string>();
  const adopt = (profile: Profile): Profile => {
    const known = read.get(profile.mpid);
    if (known) return known;
    read.set(profile.mpid, profile);
    return profile;
  };

  const draft = {
    async byMpid(mpid: string): Promise<Profile | null> {
      const known = read.get(mpid);
      if (known) return known;
      const profile = await lookup.byMpid(mpid);
      return profile && adopt(profile);
    },
    async byIdentity(type: IdentityType, value: string): Promise<Profile[]> {
      const found = new Set((await lookup.byIdentity(type, value)).map(adopt));
      // The store answers from before this decision: re-check, and add what it gave since.
      for (const profile of read.values()) if (holds(profile, type, value)) found.add(profile);
      return [...found].filter((profile) => holds(profile, type, value));
    },
    touch(profile: Profile): Profile {
      changed.add(adopt(profile).mpid);
      return profile;
    },
    async create(): Promise<Profile> {
      let mpid = ctx.newMpid();
      // 64 random bits rarely collide, but an injected generator may: never overwrite a profile.
      for (let tries = 0; await draft.byMpid(mpid); tries++) {
        if (tries >= 10) throw new IdentityError('server', 'could not allocate a fresh MPID');
        mpid = ctx.newMpid();
      }
      return draft.touch({
        mpid,
        identities: {},
        isKnown: false,
        createdAt: ctx.now,
        lastSeen: ctx.now,
        activity: [],
        aliasedFrom: [],
      });
    },
    /** Takes one value away from a profile; losing the last login ID to another makes an orphan. */
    take(profile: Profile, type: IdentityType, value: string): void {
      setValues(
        profile,
        type,
        valuesOf(profile, type).filter((v) => v !== value),
      );
      const wasKnown = profile.isKnown;
      refreshKnown(profile, config);
      if (wasKnown && !profile.isKnown) profile.orphanedAt = ctx.now;
      draft.touch(profile);
    },
    /**
     * Gives a value to `profile`. A unique value is taken from its other
     * holders, except (without `steal`) a login ID of another known profile:
     * rule 5, a conflict is never resolved by stealing.
     */
    async give(profile: Profile, type: IdentityType, value: string, steal: boolean) {
      if (holds(profile, type, value)) return;
      if (config.uniqueIds.has(type)) {
        const others = (await draft.byIdentity(type, value)).filter((p) => p.mpid !== profile.mpid);
        if (!steal && config.loginIds.has(type) && others.some((p) => p.isKnown)) return;
        for (const other of others) draft.take(other, type, value);
      }
      // Where a profile keeps one value per type, the new value replaces the old.
      const keep = config.strategy.severalValuesPerType ? valuesOf(profile, type) : [];
      setValues(profile, type, [...keep, value]);
      refreshKnown(profile, config);
      draft.touch(profile);
    },
    writes(): ProfileWrites {
      return { put: [...changed].map((mpid) => read.get(mpid) as Profile) };
    },
  };
  return draft;
}

type Draft = ReturnType<typeof draftOver>;

/** Rule 2/4: the first type in priority order whose value an acceptable profile holds. */
async function firstMatch(
  draft: Draft,
  config: ResolverConfig,
  identities: Identities,
  accept: (profile: Profile) => boolean,
): Promise<Profile | null> {
  for (const type of config.priority) {
    const value = identities[type];
    if (value === undefined) continue;
    const match = mostRecent((await draft.byIdentity(type, value)).filter(accept));
    if (match) return match;
  }
  return null;
}

/** The lookups a strategy may make, over this decision's draft. */
function matcherOver(draft: Draft, config: ResolverConfig): Matcher {
  const keep = (identities: Identities, login: boolean): Identities => {
    const out: Identities = {};
    for (const [type, value] of Object.entries(identities) as [IdentityType, string][]) {
      if (config.loginIds.has(type) === login) out[type] = value;
    }
    return out;
  };
  return {
    firstMatch: (identities, accept) => firstMatch(draft, config, identities, accept),
    byMpid: (mpid) => draft.byMpid(mpid),
    loginIds: (identities) => keep(identities, true),
    withoutLoginIds: (identities) => keep(identities, false),
  };
}

/* ------------------------------------------------------------- decisions */

/**
 * Which profile answers an identity call (or a feed), and what it writes:
 * the strategy picks the profile (or none: a new one is made), then the
 * request's identities are added to it (rule 6).
 */
export async function resolveRequest(
  kind: ResolveKind,
  input: ResolveInput,
  config: ResolverConfig,
  lookup: ProfileLookup,
  ctx: DecisionContext,
): Promise<Decision<Profile>> {
  const draft = draftOver(lookup, config, ctx);
  const match = matcherOver(draft, config);
  const { strategy } = config;
  const request = { kind, identities: input.knownIdentities, previousMpid: input.previousMpid };
  const { profile: chosen, identities } =
    kind === 'logout'
      ? await strategy.logout(request, match)
      : { profile: await strategy.choose(request, match), identities: request.identities };

  const profile = chosen ?? (await draft.create());
  for (const type of config.priority) {
    const value = identities[type];
    if (value !== undefined) await draft.give(profile, type, value, false);
  }
  profile.lastSeen = ctx.now;
  draft.touch(profile);
  return { result: profile, writes: draft.writes() };
}

/**
 * modify: change one profile's identities; a unique value taken is removed
 * elsewhere. `oldValue` only matters where the strategy keeps several values
 * per type (which one to replace); elsewhere a type holds one value and
 * `newValue` replaces it.
 */
export async function resolveModify(
  mpid: string,
  changes: IdentityChange[],
  config: ResolverConfig,
  lookup: ProfileLookup,
  ctx: DecisionContext,
): Promise<Decision<Profile>> {
  const draft = draftOver(lookup, config, ctx);
  const profile = await draft.byMpid(mpid);
  if (!profile) badRequest(`mpid ${mpid} does not exist`);
  for (const { identityType: type, oldValue, newValue } of changes) {
    if (config.strategy.severalValuesPerType) {
      setValues(profile, type, replaceValue(valuesOf(profile, type), oldValue, newValue));
      if (newValue !== null) await takeFromOthers(draft, config, profile, type, newValue);
    } else if (newValue === null) {
      delete profile.identities[type];
    } else {
      await draft.give(profile, type, newValue, true);
    }
    refreshKnown(profile, config);
  }
  draft.touch(profile);
  return { result: profile, writes: draft.writes() };
}

/**
 * One change among several values of a type: `oldValue` is replaced where it
 * is stored (or removed, for a null `newValue`); an `oldValue` the profile
 * does not hold adds `newValue`; null for both clears the type.
 */
function replaceValue(values: string[], oldValue: string | null, newValue: string | null) {
  const at = oldValue === null ? -1 : values.indexOf(oldValue);
  if (newValue === null) {
    if (at >= 0) values.splice(at, 1);
    else if (oldValue === null) values.length = 0;
  } else if (!values.includes(newValue)) {
    if (at >= 0) values[at] = newValue;
    else values.push(newValue);
  } else if (at >= 0 && oldValue !== newValue) {
    values.splice(at, 1);
  }
  return values;
}

async function takeFromOthers(
  draft: Draft,
  config: ResolverConfig,
  profile: Profile,
  type: IdentityType,
  value: string,
): Promise<void> {
  if (!config.uniqueIds.has(type)) return;
  for (const other of await draft.byIdentity(type, value)) {
    if (other.mpid !== profile.mpid) draft.take(other, type, value);
  }
}

/* -------------------------------------------------------------- aliasing */

/** Whether the strategy provisions aliasing (docs/aliasing.md). */
export function aliasAllowed(config: ResolverConfig): boolean {
  return config.strategy.aliasing;
}

/**
 * Checks an alias request as the service does and clamps its start to the
 * retention window. The clamp comes after the shared checks; a request whose
 * whole range lies before the window then has start > end and is refused.
 */
export async function validateAlias(
  value: unknown,
  lookup: ProfileLookup,
  now: number,
  retentionMs: number,
): Promise<AliasRequest> {
  if (isPlainObject(value)) safeKeys(value, 'alias request', badRequest);
  const request = validateAliasRequest(value, badRequest);
  const oldest = now - retentionMs;
  if (request.startTime < oldest) request.startTime = oldest;
  if (request.startTime > request.endTime) {
    badRequest('endTime lies before the data-retention window: nothing to alias');
  }
  for (const field of ['sourceMpid', 'destinationMpid'] as const) {
    if (!(await lookup.byMpid(request[field]))) {
      badRequest(`${field} ${request[field]} does not exist`);
    }
  }
  return request;
}

/**
 * Copies the source's activity within [start, end] to the destination.
 * Idempotent, so applying an alias twice (a crash before it was dequeued)
 * changes nothing. Returns false when either profile has gone.
 */
export async function applyAlias(
  request: AliasRequest,
  lookup: ProfileLookup,
): Promise<Decision<boolean>> {
  const source = await lookup.byMpid(request.sourceMpid);
  const destination = await lookup.byMpid(request.destinationMpid);
  if (!source || !destination) return { result: false, writes: { put: [] } };
  const moved = source.activity.filter((t) => t >= request.startTime && t <= request.endTime);
  destination.activity = [...new Set([...destination.activity, ...moved])].sort((a, b) => a - b);
  if (!destination.aliasedFrom.includes(source.mpid)) destination.aliasedFrom.push(source.mpid);
  destination.createdAt = Math.min(destination.createdAt, source.createdAt);
  return { result: true, writes: { put: [destination] } };
}
