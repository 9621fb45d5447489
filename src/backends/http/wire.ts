/**
 * The IDSync v1 wire format, both ways, as pure functions: BackendRequest /
 * ModifyRequest / AliasRequest → JSON bodies, and JSON answers → BackendResponse
 * or IdentityError. No I/O here, so every mapping is testable on its own.
 */
import { IdentityError } from '../../errors';
import { isIdentityType } from '../../identity-types';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  Environment,
  Identities,
  ModifyRequest,
} from '../../types';

export const SDK_VERSION = '0.1.0';

const CLIENT_SDK = { platform: 'web', sdk_vendor: 'idsync-web', sdk_version: SDK_VERSION };

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
  /** the device id of the last identity request, when there was one */
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

const MPID_SHAPE = /^-?\d{1,20}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A 2xx answer of identify/login/logout (or modify, with `sentMpid`) as a
 * BackendResponse. An answer without a usable `mpid` is a fault of the
 * service, never a user: it throws `server` (httpCode kept, so it is not retried).
 * Modify answers carry only `change_results` in IDSync v1: there the MPID is
 * the one sent and `isLoggedIn` is `false` unless the service adds the fields
 * (the local server does).
 */
export function parseIdentityAnswer(
  httpCode: number,
  body: unknown,
  sentMpid?: string,
): BackendResponse {
  const answer = isRecord(body) ? body : undefined;
  const mpid = answer?.mpid ?? sentMpid;
  if (answer === undefined || typeof mpid !== 'string' || !MPID_SHAPE.test(mpid)) {
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

/** Only known identity types with string values: the rest of the map is ignored. */
function matchedIdentities(value: unknown): Identities {
  const out: Identities = {};
  if (!isRecord(value)) return out;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (isIdentityType(key) && typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** The messages of an IDSync error body, `errors` or `Errors`, each `{ code, message }`. */
export function errorMessages(body: unknown): string[] {
  if (!isRecord(body)) return [];
  const list = Array.isArray(body.errors) ? body.errors : body.Errors;
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    if (!isRecord(entry)) return [];
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
