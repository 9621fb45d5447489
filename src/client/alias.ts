import type { AliasRequest, AliasResult, IdentityBackend, User } from '../types';
import { validateAliasRequest } from '../validation/alias';
import { failWith } from '../validation/plain';
import { callBackend } from './backend-call';

/** An alias request over the source user's time as current user on this device. */
export function createAliasRequest(source: User, destination: User): AliasRequest {
  return {
    sourceMpid: source.mpid,
    destinationMpid: destination.mpid,
    startTime: source.firstSeen,
    endTime: source.lastSeen,
    scope: 'mpid',
  };
}

/**
 * Validates (an invalid request is the caller's 400: 'bad_request') and sends.
 * Kept apart from the client so that a retrying outbox can take its place.
 */
export async function sendAliasRequest(
  backend: IdentityBackend,
  request: unknown,
): Promise<AliasResult> {
  const valid = validateAliasRequest(request, failWith('bad_request'));
  await callBackend(() => backend.alias(valid));
  return { httpCode: 202 };
}
