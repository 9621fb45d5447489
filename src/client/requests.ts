import { isDeviceIdType } from '../identity-types';
import type { IdentityRequest, IdentityType } from '../types';
import { validateIdentities } from '../validation/identities';
import { failWith, isPlainObject, safeKeys, type Fail } from '../validation/plain';
import type { UserCache } from './user-cache';

const fail: Fail = failWith('validation');

/**
 * Checks an identify/login/logout/modify request and returns a fresh copy.
 * `null` values (remove) are allowed only for modify.
 */
export function validateIdentityRequest(
  value: unknown,
  field: string,
  allowNull: boolean,
): IdentityRequest {
  if (!isPlainObject(value)) fail(`${field} must be an object { userIdentities }`);
  for (const key of safeKeys(value, field, fail)) {
    if (key !== 'userIdentities') fail(`${field}.${key}: unknown field`);
  }
  const userIdentities = allowNull
    ? validateIdentities(value.userIdentities, `${field}.userIdentities`, fail, true)
    : validateIdentities(value.userIdentities, `${field}.userIdentities`, fail);
  return { userIdentities };
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
    Object.entries(request.userIdentities).some(
      ([type, value]) =>
        !isDeviceIdType(type as IdentityType) && user.identities[type as IdentityType] !== value,
    )
  );
}
