/**
 * A device id as the identity cookie can carry it: the SDK's own are v4 UUIDs
 * (36 characters); one given by a server (`bootstrap.deviceId`) must fit the
 * same cookie, hence a short length and only characters that no cookie parser
 * or URL encoder changes, and no '.', the cookie format's separator.
 */
export const MAX_DEVICE_ID_LENGTH = 64;

const DEVICE_ID = /^[\w-]{1,64}$/;

export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID.test(value);
}
