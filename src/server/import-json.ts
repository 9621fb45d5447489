/**
 * `idsync-server import FILE`: the JSON data files of earlier versions
 * (`{ "profiles": [...], "aliases": [...] }`, as `--data` wrote them), checked
 * whole before anything is written. A file that is not exactly that shape is
 * refused with a message naming the file and the first problem found.
 */
import { readFile } from 'node:fs/promises';
import type { PendingAlias } from '../backends/local/profile-store';
import type { IdentityType, Profile } from '../types';
import { validateAliasRequest } from '../validation/alias';
import { validateIdentities } from '../validation/identities';
import { isMpid } from '../validation/mpid';
import { isPlainObject, safeKeys, type Fail } from '../validation/plain';

export interface StoreSnapshot {
  profiles: Profile[];
  aliases: PendingAlias[];
}

export async function readSnapshotFile(
  file: string,
  uniqueTypes: ReadonlySet<IdentityType>,
): Promise<StoreSnapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseSnapshot(text, file, uniqueTypes);
}

export function parseSnapshot(
  text: string,
  file: string,
  uniqueTypes: ReadonlySet<IdentityType>,
): StoreSnapshot {
  const fail: Fail = (message) => {
    throw new Error(`${file}: ${message}; nothing was imported`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(json)) fail('must hold { "profiles": [...], "aliases": [...] }');
  for (const key of safeKeys(json, 'the file', fail)) {
    if (key !== 'profiles' && key !== 'aliases') fail(`unexpected key "${key}"`);
  }
  const { profiles, aliases = [] } = json;
  if (!Array.isArray(profiles)) fail('"profiles" must be an array');
  if (!Array.isArray(aliases)) fail('"aliases" must be an array');
  const checked = profiles.map((p: unknown, i) => checkProfile(p, `profiles[${i}]`, fail));
  refuseDuplicates(checked, uniqueTypes, fail);
  const seen = new Set<string>();
  const pending = aliases.map((alias: unknown, i) => {
    const checkedAlias = checkAlias(alias, `aliases[${i}]`, fail);
    if (seen.has(checkedAlias.id)) fail(`aliases[${i}].id "${checkedAlias.id}" is listed twice`);
    seen.add(checkedAlias.id);
    return checkedAlias;
  });
  return { profiles: checked, aliases: pending };
}

const PROFILE_KEYS = new Set([
  'mpid',
  'identities',
  'additionalIdentities',
  'isKnown',
  'createdAt',
  'lastSeen',
  'activity',
  'aliasedFrom',
  'orphanedAt',
]);

function checkProfile(value: unknown, field: string, fail: Fail): Profile {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  for (const key of safeKeys(value, field, fail)) {
    if (!PROFILE_KEYS.has(key)) fail(`${field}: unexpected key "${key}"`);
  }
  if (!isMpid(value.mpid)) fail(`${field}.mpid must be a decimal 64-bit integer string`);
  if (value.mpid === '0') fail(`${field}.mpid must not be "0" (clients read it as no user)`);
  if (typeof value.isKnown !== 'boolean') fail(`${field}.isKnown must be true or false`);
  const profile: Profile = {
    mpid: value.mpid,
    identities: validateIdentities(value.identities, `${field}.identities`, fail),
    isKnown: value.isKnown,
    createdAt: time(value.createdAt, `${field}.createdAt`, fail),
    lastSeen: time(value.lastSeen, `${field}.lastSeen`, fail),
    activity: list(value.activity, `${field}.activity`, fail).map((t, i) =>
      time(t, `${field}.activity[${i}]`, fail),
    ),
    aliasedFrom: list(value.aliasedFrom, `${field}.aliasedFrom`, fail).map((mpid, i) => {
      if (!isMpid(mpid)) fail(`${field}.aliasedFrom[${i}] must be an MPID`);
      return mpid;
    }),
  };
  if (value.additionalIdentities !== undefined) {
    profile.additionalIdentities = additional(value.additionalIdentities, field, fail);
  }
  if (value.orphanedAt !== undefined) {
    profile.orphanedAt = time(value.orphanedAt, `${field}.orphanedAt`, fail);
  }
  return profile;
}

/** Best match's further values per type: each list as `identities` would hold one value. */
function additional(value: unknown, field: string, fail: Fail) {
  const where = `${field}.additionalIdentities`;
  if (!isPlainObject(value)) fail(`${where} must be an object of identity type → values`);
  const out: Partial<Record<IdentityType, string[]>> = {};
  for (const type of safeKeys(value, where, fail)) {
    const values = list(value[type], `${where}.${type}`, fail).map((v, i) => {
      const one = validateIdentities({ [type]: v }, `${where}.${type}[${i}]`, fail);
      return one[type as IdentityType] as string;
    });
    out[type as IdentityType] = values;
  }
  return out;
}

/** No MPID twice, and no value of a unique type on two profiles. */
function refuseDuplicates(profiles: Profile[], unique: ReadonlySet<IdentityType>, fail: Fail) {
  const mpids = new Set<string>();
  const holders = new Map<string, string>();
  for (const profile of profiles) {
    if (mpids.has(profile.mpid)) fail(`MPID ${profile.mpid} is listed twice`);
    mpids.add(profile.mpid);
    const pairs: [string, string][] = Object.entries(profile.identities) as [string, string][];
    for (const [type, values] of Object.entries(profile.additionalIdentities ?? {})) {
      for (const v of values ?? []) pairs.push([type, v]);
    }
    for (const [type, value] of pairs) {
      if (!unique.has(type as IdentityType)) continue;
      const key = `${type}\u0000${value}`;
      const other = holders.get(key);
      if (other !== undefined && other !== profile.mpid) {
        fail(`profiles ${other} and ${profile.mpid} both hold ${type} "${value}", which is unique`);
      }
      holders.set(key, profile.mpid);
    }
  }
}

function checkAlias(value: unknown, field: string, fail: Fail): PendingAlias {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  safeKeys(value, field, fail);
  if (typeof value.id !== 'string' || value.id === '') fail(`${field}.id must be a string`);
  const request = validateAliasRequest(value.request, (m) => fail(`${field}.request: ${m}`));
  return {
    id: value.id,
    request,
    acceptedAt: time(value.acceptedAt, `${field}.acceptedAt`, fail),
    dueAt: time(value.dueAt, `${field}.dueAt`, fail),
  };
}

function list(value: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array`);
  return value;
}

/** A moment as the resolver writes one: whole milliseconds since the epoch. */
function time(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(`${field} must be a whole number of milliseconds since the epoch`);
  }
  return value;
}
