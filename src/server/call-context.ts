/**
 * The `CallContext` an IDSync v1 request carries (docs/wire-format.md), for
 * the backend: in the page the client hands every backend call its
 * environment, this device's id and the service's last context, and the
 * server hands the resolver behind it the same, read from the request.
 *
 * Where a body carries no device id, `deviceId` is the empty string: modify
 * bodies never name one, and IDSync clients other than this SDK may leave it
 * out of the others. Only identify, login and logout send a `context`.
 */
import { IdentityError } from '../errors';
import type { BackendRequest, CallContext, Environment, ModifyRequest } from '../types';
import { requireObject } from './idsync-json';

function fail(message: string): never {
  throw new IdentityError('bad_request', message, { httpCode: 400 });
}

/** identify, login, logout: the device id among `known_identities`, `context` as sent. */
export function identityCallContext(body: unknown, request: BackendRequest): CallContext {
  const { context } = requireObject(body, 'request body');
  if (context !== undefined && context !== null && typeof context !== 'string') {
    fail('context must be a string or null');
  }
  return {
    environment: request.environment,
    deviceId: request.knownIdentities.device_application_stamp ?? '',
    context: context ?? null,
  };
}

/** modify: its body names the environment only. */
export function modifyCallContext(request: ModifyRequest): CallContext {
  return { environment: request.environment, deviceId: '', context: null };
}

/** alias: the environment beside `data`, the device id inside it. */
export function aliasCallContext(body: unknown): CallContext {
  const json = requireObject(body, 'request body');
  const data = requireObject(json.data, 'data');
  const deviceId = data.device_application_stamp;
  if (deviceId !== undefined && deviceId !== null && (typeof deviceId !== 'string' || !deviceId)) {
    fail('data.device_application_stamp must be a non-empty string');
  }
  return { environment: environment(json.environment), deviceId: deviceId ?? '', context: null };
}

/** Read as the identity calls read theirs: absent means production. */
function environment(value: unknown): Environment {
  if (value === undefined || value === null) return 'production';
  if (value !== 'production' && value !== 'development') {
    fail('environment must be "production" or "development"');
  }
  return value;
}
