export { IdentityError, isIdentityError } from './errors';
export type { IdentityErrorCode, IdentityErrorDetails } from './errors';
export { IDENTITY_TYPES, DEVICE_ID_TYPES } from './identity-types';
export type * from './types';
export { createIdentity } from './client/create-identity';
