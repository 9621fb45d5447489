import type { IdentityRequest } from '../types';
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
