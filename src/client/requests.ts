import { isDeviceIdType } from '../identity-types';
import type { Identities, IdentityRequest, IdentityType } from '../types';
import { validateIdentities } from '../validation/identities';
import { failWith, isPlainObject, safeKeys, type Fail } from '../validation/plain';

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
 * True when `request` names a login identity that `identities` do not hold
 * with that value. Login identities, as the client can tell them without the
 * service's configuration: every type but the device identifiers
 * (DEVICE_ID_TYPES), since any of them names a person.
 */
export function namesOtherLoginIds(request: IdentityRequest, identities: Identities): boolean {
  return (Object.keys(request.userIdentities) as IdentityType[]).some(
    (type) => !isDeviceIdType(type) && request.userIdentities[type] !== identities[type],
  );
}
