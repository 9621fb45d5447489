import type { AliasRequest } from '../types';
import { isMpid } from './mpid';
import { isPlainObject, type Fail } from './plain';

/**
 * The checks every alias request must pass, on the client before any network
 * and on the resolver: a copy holding only the known fields.
 */
export function validateAliasRequest(value: unknown, fail: Fail): AliasRequest {
  if (!isPlainObject(value)) fail('alias request must be an object');
  const { sourceMpid, destinationMpid, startTime, endTime, scope } = value;
  if (!isMpid(sourceMpid)) fail('sourceMpid must be a decimal 64-bit integer string');
  if (!isMpid(destinationMpid)) fail('destinationMpid must be a decimal 64-bit integer string');
  if (sourceMpid === destinationMpid) fail('sourceMpid and destinationMpid must differ');
  if (!isTime(startTime)) fail('startTime must be a non-negative integer (ms since epoch)');
  if (!isTime(endTime)) fail('endTime must be a non-negative integer (ms since epoch)');
  if (startTime > endTime) fail('startTime must not be after endTime');
  if (scope !== undefined && scope !== 'device' && scope !== 'mpid') {
    fail('scope must be "device" or "mpid"');
  }
  const out: AliasRequest = { sourceMpid, destinationMpid, startTime, endTime };
  if (scope !== undefined) out.scope = scope;
  return out;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
