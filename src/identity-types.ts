/**
 * The identity types of IDSync, in the order the reference resolver matches
 * them by default. Kept as one const tuple so that the `IdentityType` union,
 * runtime validation and the default priority can never drift apart.
 */
export const IDENTITY_TYPES = [
  'customerid',
  'email',
  'other',
  'other2',
  'other3',
  'other4',
  'other5',
  'other6',
  'other7',
  'other8',
  'other9',
  'other10',
  'mobile_number',
  'phone_number_2',
  'phone_number_3',
  'facebook',
  'facebookcustomaudienceid',
  'google',
  'microsoft',
  'twitter',
  'yahoo',
  'device_application_stamp',
  'ios_idfa',
  'ios_idfv',
  'android_aaid',
  'android_uuid',
  'push_token',
  'roku_aid',
  'roku_publisher_id',
  'fire_aid',
] as const;

/**
 * One of the identity types of IDSync, such as `customerid`, `email` or `device_application_stamp`.
 */
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** Identifiers of a device rather than of a person: never login IDs, never unique. */
export const DEVICE_ID_TYPES: readonly IdentityType[] = [
  'device_application_stamp',
  'ios_idfa',
  'ios_idfv',
  'android_aaid',
  'android_uuid',
  'push_token',
  'roku_aid',
  'roku_publisher_id',
  'fire_aid',
];

const known: ReadonlySet<string> = new Set(IDENTITY_TYPES);
const deviceIds: ReadonlySet<string> = new Set(DEVICE_ID_TYPES);

export function isIdentityType(value: unknown): value is IdentityType {
  return typeof value === 'string' && known.has(value);
}

export function isDeviceIdType(type: IdentityType): boolean {
  return deviceIds.has(type);
}
