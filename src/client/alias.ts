import type { AliasRequest, User } from '../types';
import { failWith, type Fail } from '../validation/plain';

const badRequest: Fail = failWith('bad_request');

/**
 * An alias request over the source user's time as current user on this
 * device: from its first-seen to its last-seen, or to `now` while it is still
 * the current user (its lastSeen is only set when another user replaces it).
 *
 * Not clamped to the destination's first-seen: the source's data from before
 * the destination existed is exactly what aliasing is for (the anonymous
 * browsing before sign-up), and the service clamps to its retention window.
 * Times are whole, non-negative ms with start ≤ end (a clock that went back
 * cannot produce a request that validation refuses), so any two different
 * users give a valid request.
 */
export function createAliasRequest(
  source: User,
  destination: User,
  now: number,
  sourceIsCurrent: boolean,
): AliasRequest {
  if (!isUserLike(source)) badRequest('source must be a User');
  if (!isUserLike(destination)) badRequest('destination must be a User');
  const startTime = wholeMs(Math.floor, source.firstSeen);
  const endTime = wholeMs(Math.ceil, sourceIsCurrent ? now : source.lastSeen);
  return {
    sourceMpid: source.mpid,
    destinationMpid: destination.mpid,
    startTime,
    endTime: Math.max(startTime, endTime),
    scope: 'mpid',
  };
}

export function isUserLike(value: unknown): value is User {
  return typeof value === 'object' && value !== null && typeof (value as User).mpid === 'string';
}

function wholeMs(round: (x: number) => number, value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, round(value)))
    : 0;
}
