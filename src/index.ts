/**
 * The package's entry (`import ... from 'idsync-web'`, or `require`): the
 * client (`createIdentity`), the backends (`HttpBackend`, `LocalResolver`),
 * the error class and the types of the API. README has the tutorial.
 *
 * @module idsync-web
 */
export { IdentityError, isIdentityError } from './errors';
export type { IdentityErrorCode, IdentityErrorDetails } from './errors';
export { IDENTITY_TYPES, DEVICE_ID_TYPES } from './identity-types';
export type * from './types';
export { createIdentity } from './client/create-identity';
export { LocalResolver } from './backends/local/local-resolver';
export type { LocalResolverOptions } from './backends/local/local-resolver';
export { listStrategies } from './backends/local/strategies/lookup';
export type { StrategyInfo } from './backends/local/strategies/lookup';
export { MemoryProfileStore } from './backends/local/memory-profile-store';
export type {
  PendingAlias,
  ProfileLookup,
  ProfileStore,
  ProfileWrites,
} from './backends/local/profile-store';
export { HttpBackend } from './backends/http/http-backend';
export type { HttpBackendOptions } from './backends/http/http-backend';
export { IDENTITY_RETRY, ALIAS_RETRY } from './retry';
export type { RetryPolicy } from './retry';
