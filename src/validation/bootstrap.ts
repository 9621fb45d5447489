import { isDeviceId } from '../cookie/device-id';
import type { IdentityBootstrap } from '../types';
import { validateIdentities } from './identities';
import { isMpid } from './mpid';
import { failWith, isPlainObject, safeKeys, type Fail } from './plain';

/** What the server already knows (the `bootstrap` option of createIdentity). */
export type BootstrapState = IdentityBootstrap;

const KEYS = ['deviceId', 'mpid', 'isLoggedIn', 'userIdentities'];
const fail: Fail = failWith('validation');

/**
 * Checks `bootstrap` and returns a copy holding only the fields given, or
 * throws IdentityError 'validation' naming the field. The device id follows
 * the identity cookie's rule, since it is written there. Being logged in, and
 * identities, need the MPID they belong to.
 */
export function validateBootstrap(value: unknown): BootstrapState {
  if (!isPlainObject(value)) fail('bootstrap must be an object');
  for (const key of safeKeys(value, 'bootstrap', fail)) {
    if (!KEYS.includes(key)) fail(`bootstrap.${key}: unknown field`);
  }
  const { deviceId, mpid, isLoggedIn, userIdentities } = value;
  const out: BootstrapState = {};
  if (deviceId !== undefined) {
    if (!isDeviceId(deviceId)) {
      fail('bootstrap.deviceId must be 1 to 64 characters of A-Z a-z 0-9 _ -');
    }
    out.deviceId = deviceId;
  }
  if (mpid !== undefined) {
    if (!isMpid(mpid)) fail('bootstrap.mpid must be a decimal 64-bit integer string');
    out.mpid = mpid;
  }
  if (isLoggedIn !== undefined) {
    if (typeof isLoggedIn !== 'boolean') fail('bootstrap.isLoggedIn must be a boolean');
    if (isLoggedIn && mpid === undefined) fail('bootstrap.isLoggedIn needs bootstrap.mpid');
    out.isLoggedIn = isLoggedIn;
  }
  if (userIdentities !== undefined) {
    if (mpid === undefined) fail('bootstrap.userIdentities needs bootstrap.mpid');
    out.userIdentities = validateIdentities(userIdentities, 'bootstrap.userIdentities', fail);
  }
  return out;
}
