import type { BackendResponse, Identities } from '../types';
import { validateIdentities } from '../validation/identities';
import { isMpid } from '../validation/mpid';
import { failWith, isPlainObject, type Fail } from '../validation/plain';

/** A backend answer after checking: what the client relies on, nothing more. */
export interface CheckedResponse {
  httpCode: number;
  mpid: string | null;
  isLoggedIn: boolean | null;
  matchedIdentities: Identities;
  /** undefined: the backend sent none, keep the one held */
  context: string | null | undefined;
}

/**
 * The backend is outside the SDK: its answer is checked like any input. A
 * malformed answer is the service's fault ('server') and changes nothing.
 * For modify the MPID and login state may be missing (the wire format's modify
 * answer carries neither).
 */
export function checkResponse(response: BackendResponse, forModify: boolean): CheckedResponse {
  const fail: Fail = failWith('server');
  if (!isPlainObject(response)) fail('backend answered with a non-object');
  const { httpCode, mpid, isLoggedIn, matchedIdentities, context } = response as unknown as Record<
    string,
    unknown
  >;
  if (httpCode !== undefined && typeof httpCode !== 'number')
    fail('backend httpCode must be a number');
  if (!(forModify && mpid === undefined) && !isMpid(mpid))
    fail('backend answered with an invalid mpid');
  if (!(forModify && isLoggedIn === undefined) && typeof isLoggedIn !== 'boolean') {
    fail('backend isLoggedIn must be a boolean');
  }
  if (context !== undefined && context !== null && typeof context !== 'string') {
    fail('backend context must be a string or null');
  }
  return {
    httpCode: httpCode ?? 200,
    mpid: typeof mpid === 'string' ? mpid : null,
    isLoggedIn: typeof isLoggedIn === 'boolean' ? isLoggedIn : null,
    matchedIdentities:
      matchedIdentities === undefined || matchedIdentities === null
        ? {}
        : validateIdentities(matchedIdentities, 'matchedIdentities', fail),
    context,
  };
}
