export { IdentityError, isIdentityError } from './errors';
export type { IdentityErrorCode, IdentityErrorDetails } from './errors';
export { IDENTITY_TYPES, DEVICE_ID_TYPES } from './identity-types';
export type * from './types';
export { createIdentity } from './client/create-identity';
export { HttpBackend } from './backends/http/http-backend';
export type { HttpBackendOptions } from './backends/http/http-backend';
export { IDENTITY_RETRY, ALIAS_RETRY } from './backends/http/retry';
export type { RetryPolicy } from './backends/http/retry';
