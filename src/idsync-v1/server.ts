/**
 * The server's half of the IDSync v1 codec (docs/wire-format.md): JSON
 * request bodies → BackendRequest / ModifyRequest / AliasRequest, and answers
 * and errors back to JSON. It reads exactly what ./client.ts writes, and the
 * client reads what it writes. Lenient where IDSync clients differ (extra
 * fields, `other_id_2` spellings, a missing environment), strict on anything
 * that would change the result: a bad field answers 400 with a message
 * naming it. Node only: nothing in the browser bundle imports it.
 */
import { IdentityError } from '../errors';
import type { IdentityType } from '../identity-types';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  Environment,
  IdentityChange,
  Identities,
  ModifyRequest,
} from '../types';
import { isMpid } from '../validation/mpid';
import { isPlainObject, safeKeys } from '../validation/plain';
import { wireIdentityType } from './common';

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new IdentityError('bad_request', message, { httpCode: 400 });
}

/** A plain JSON object without refused keys (`__proto__`, `constructor`, `prototype`). */
export function requireObject(value: unknown, field: string): Json {
  if (!isPlainObject(value)) fail(`${field} must be a JSON object`);
  safeKeys(value, field, fail);
  return value;
}

/** An MPID in the one form the package accepts everywhere (validation/mpid.ts). */
export function requireMpid(value: unknown, field: string): string {
  if (!isMpid(value)) fail(`${field} must be an MPID: a decimal 64-bit integer string`);
  return value;
}

/** Our type names, or the `other_id_N` spelling of IDSync's HTTP API for other2…other10. */
export function identityType(name: unknown, field: string): IdentityType {
  const type = wireIdentityType(name);
  if (type === undefined) fail(`${field}: unknown identity type ${JSON.stringify(name)}`);
  return type;
}

function environment(value: unknown): Environment {
  if (value === undefined || value === null) return 'production';
  if (value !== 'production' && value !== 'development') {
    fail('environment must be "production" or "development"');
  }
  return value;
}

function timestamp(value: unknown, field: string, now: number): number {
  if (value === undefined || value === null) return now;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${field} must be a non-negative number of milliseconds`);
  }
  return value;
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') fail(`${field} must be a string or null`);
  return value;
}

function knownIdentities(value: unknown): Identities {
  const out: Identities = {};
  if (value === undefined || value === null) return out;
  const known = requireObject(value, 'known_identities');
  for (const key of Object.keys(known)) {
    const type = identityType(key, `known_identities.${key}`);
    const v = known[key];
    // IDSync clients send null for "not known": the same as leaving it out.
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string' || v === '')
      fail(`known_identities.${key} must be a non-empty string`);
    out[type] = v;
  }
  return out;
}

/* ------------------------------------------------------ requests (decode) */

/** Body of identify / login / logout. */
export function parseIdentityRequest(body: unknown, now: number): BackendRequest {
  const json = requireObject(body, 'request body');
  const previous = json.previous_mpid;
  return {
    knownIdentities: knownIdentities(json.known_identities),
    previousMpid:
      previous === undefined || previous === null ? null : requireMpid(previous, 'previous_mpid'),
    environment: environment(json.environment),
    requestTimestampMs: timestamp(json.request_timestamp_ms, 'request_timestamp_ms', now),
  };
}

/** Body of `{mpid}/modify`. */
export function parseModifyRequest(body: unknown, now: number): ModifyRequest {
  const json = requireObject(body, 'request body');
  if (!Array.isArray(json.identity_changes)) fail('identity_changes must be an array');
  const identityChanges = json.identity_changes.map((entry: unknown, i): IdentityChange => {
    const field = `identity_changes[${i}]`;
    const change = requireObject(entry, field);
    return {
      identityType: identityType(change.identity_type, `${field}.identity_type`),
      oldValue: optionalString(change.old_value, `${field}.old_value`),
      newValue: optionalString(change.new_value, `${field}.new_value`),
    };
  });
  return {
    identityChanges,
    environment: environment(json.environment),
    requestTimestampMs: timestamp(json.request_timestamp_ms, 'request_timestamp_ms', now),
  };
}

/** Body of `identity/{apiKey}/Alias`; the resolver checks that the MPIDs exist and the range. */
export function parseAliasRequest(body: unknown): AliasRequest {
  const json = requireObject(body, 'request body');
  const data = requireObject(json.data, 'data');
  const time = (field: string) => {
    const value = data[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`data.${field} must be a number of milliseconds`);
    }
    return value;
  };
  const request: AliasRequest = {
    sourceMpid: requireMpid(data.source_mpid, 'data.source_mpid'),
    destinationMpid: requireMpid(data.destination_mpid, 'data.destination_mpid'),
    startTime: time('start_unixtime_ms'),
    endTime: time('end_unixtime_ms'),
  };
  const scope = data.scope;
  if (scope !== undefined && scope !== null) {
    if (scope !== 'device' && scope !== 'mpid') fail('data.scope must be "device" or "mpid"');
    request.scope = scope;
  }
  return request;
}

/* ------------------------------------------------------- answers (encode) */

/** A successful identify / login / logout answer; `context` when the backend gave none. */
export function identityAnswer(response: BackendResponse, context: string) {
  return {
    mpid: response.mpid,
    context: typeof response.context === 'string' ? response.context : context,
    is_ephemeral: response.isEphemeral ?? false,
    is_logged_in: response.isLoggedIn,
    matched_identities: { ...response.matchedIdentities },
  };
}

/**
 * IDSync v1 answers modify with `change_results` only; this server adds the
 * fields of an identity answer too (mpid, is_logged_in, matched_identities),
 * which clients that do not know them ignore.
 */
export function modifyAnswer(request: ModifyRequest, response: BackendResponse, context: string) {
  return {
    change_results: request.identityChanges.map((change) => ({
      identity_type: change.identityType,
      modified_mpid: response.mpid,
    })),
    ...identityAnswer(response, context),
  };
}

/* -------------------------------------------------------- errors (encode) */

/** The HTTP status of an IdentityError: its own httpCode when it has one. */
export function statusOf(error: IdentityError): number {
  if (error.httpCode !== undefined && error.httpCode >= 400 && error.httpCode <= 599) {
    return error.httpCode;
  }
  switch (error.code) {
    case 'validation':
    case 'bad_request':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'rate_limited':
      return 429;
    case 'network':
      return 502;
    case 'timeout':
      return 504;
    case 'closed':
      return 503;
    default:
      return 500;
  }
}

/** An error body as IDSync writes it; clients also read the capitalised `Errors`. */
export function errorBody(code: string, message: string) {
  return { errors: [{ code, message }] };
}
