/**
 * The client's half of the IDSync v1 codec (docs/wire-format.md): request
 * objects → JSON bodies, and JSON answers → BackendResponse or IdentityError.
 * Pure functions, no I/O. The server's half (./server.ts) reads what these
 * write and writes what these read; it is a separate module so that the
 * browser bundle carries only this one.
 */
import { IdentityError } from '../errors';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  Environment,
  Identities,
  ModifyRequest,
} from '../types';
import { isMpid } from '../validation/mpid';
import { isPlainObject } from '../validation/plain';
import { CLIENT_SDK, wireIdentityType } from './common';

/* ------------------------------------------------------ requests (encode) */

/** Body of identify / login / logout. */
export function identityBody(req: BackendRequest, requestId: string, context: string | null) {
  return {
    client_sdk: CLIENT_SDK,
    environment: req.environment,
    request_id: requestId,
    request_timestamp_ms: req.requestTimestampMs,
    previous_mpid: req.previousMpid,
    known_identities: { ...req.knownIdentities },
    context,
  };
}

/** Body of `{mpid}/modify`: one change per identity type given. */
export function modifyBody(req: ModifyRequest, requestId: string) {
  return {
    client_sdk: CLIENT_SDK,
    environment: req.environment,
    request_id: requestId,
    request_timestamp_ms: req.requestTimestampMs,
    identity_changes: req.identityChanges.map((change) => ({
      identity_type: change.identityType,
      old_value: change.oldValue,
      new_value: change.newValue,
    })),
  };
}

export interface AliasEnvelope {
  apiKey: string;
  requestId: string;
  environment: Environment;
  /** this device's id (`device_application_stamp`), when known */
  deviceId: string | undefined;
}

/** Body of `identity/{apiKey}/Alias`: the key travels here, not in a header. */
export function aliasBody(req: AliasRequest, envelope: AliasEnvelope) {
  const data: Record<string, unknown> = {
    source_mpid: req.sourceMpid,
    destination_mpid: req.destinationMpid,
    start_unixtime_ms: req.startTime,
    end_unixtime_ms: req.endTime,
  };
  if (req.scope !== undefined) data.scope = req.scope;
  if (envelope.deviceId !== undefined) data.device_application_stamp = envelope.deviceId;
  return {
    request_type: 'alias',
    request_id: envelope.requestId,
    environment: envelope.environment,
    api_key: envelope.apiKey,
    data,
  };
}

/* ------------------------------------------------------- answers (decode) */

/**
 * A 2xx answer of identify/login/logout (or modify, with `sentMpid`) as a
 * BackendResponse. An answer without a valid MPID (validation/mpid.ts: the
 * same rule every other path applies) is a fault of the service, never a
 * user: it throws `server` (httpCode kept, so it is not retried).
 * Modify answers carry only `change_results` in IDSync v1: there the MPID is
 * the one sent and `isLoggedIn` is `false` unless the service adds the fields
 * (our server does).
 */
export function parseIdentityAnswer(
  httpCode: number,
  body: unknown,
  sentMpid?: string,
): BackendResponse {
  const answer = isPlainObject(body) ? body : undefined;
  const mpid = answer?.mpid ?? sentMpid;
  if (answer === undefined || !isMpid(mpid)) {
    throw new IdentityError('server', `IDSync answered ${httpCode} without a valid mpid`, {
      httpCode,
    });
  }
  const response: BackendResponse = {
    httpCode,
    mpid,
    isLoggedIn: answer.is_logged_in === true,
    matchedIdentities: matchedIdentities(answer.matched_identities),
  };
  if (typeof answer.context === 'string' || answer.context === null) {
    response.context = answer.context;
  }
  if (typeof answer.is_ephemeral === 'boolean') response.isEphemeral = answer.is_ephemeral;
  return response;
}

/**
 * Known identity types with non-empty string values; the rest of the map is
 * ignored rather than refused, since a service may know types we do not.
 */
function matchedIdentities(value: unknown): Identities {
  const out: Identities = {};
  if (!isPlainObject(value)) return out;
  for (const key of Object.keys(value)) {
    const type = wireIdentityType(key);
    const v = value[key];
    if (type !== undefined && typeof v === 'string' && v !== '') out[type] = v;
  }
  return out;
}

/* -------------------------------------------------------- errors (decode) */

/** The messages of an IDSync error body, `errors` or `Errors`, each `{ code, message }`. */
export function errorMessages(body: unknown): string[] {
  if (!isPlainObject(body)) return [];
  const list = Array.isArray(body.errors) ? body.errors : body.Errors;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    if (!isPlainObject(entry)) return [];
    const message = entry.message ?? entry.Message;
    const code = entry.code ?? entry.Code;
    if (typeof message !== 'string') return typeof code === 'string' ? [code] : [];
    return [typeof code === 'string' || typeof code === 'number' ? `${code}: ${message}` : message];
  });
}

/** `Retry-After` in ms: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A non-2xx answer as the IdentityError of its status. */
export function errorForStatus(
  status: number,
  body: unknown,
  retryAfter: string | null,
  now: number,
): IdentityError {
  const messages = errorMessages(body);
  const detail = messages.length > 0 ? `: ${messages.join('; ')}` : '';
  const details = { httpCode: status };
  if (status === 400) return new IdentityError('bad_request', `Bad request${detail}`, details);
  if (status === 401) return new IdentityError('unauthorized', `Unauthorized${detail}`, details);
  if (status === 403) return new IdentityError('forbidden', `Forbidden${detail}`, details);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return new IdentityError('rate_limited', `Rate limited${detail}`, { ...details, retryAfterMs });
  }
  if (status >= 500) return new IdentityError('server', `Server error ${status}${detail}`, details);
  // Other 4xx (404 wrong base URL, 413...) are the caller's to fix, like a 400.
  if (status >= 400) return new IdentityError('bad_request', `HTTP ${status}${detail}`, details);
  return new IdentityError('server', `Unexpected HTTP ${status}${detail}`, details);
}
