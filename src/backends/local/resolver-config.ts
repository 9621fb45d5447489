import { IdentityError } from '../../errors';
import { IDENTITY_TYPES, isDeviceIdType, isIdentityType } from '../../identity-types';
import type { IdentityType, Strategy } from '../../types';
import { DEFAULT_STRATEGY, findStrategy, strategyNames } from './strategies/lookup';
import type { RegisteredStrategy } from './strategies/registry';

/** Device ids in the order they identify a device best (the web's own stamp first). */
const DEVICE_PRIORITY: readonly IdentityType[] = [
  'device_application_stamp',
  'ios_idfv',
  'ios_idfa',
  'android_uuid',
  'android_aaid',
  'roku_aid',
  'roku_publisher_id',
  'fire_aid',
  'push_token',
];

/** Person ids in canonical order, then device ids: the default matching order. */
export const DEFAULT_PRIORITY: readonly IdentityType[] = [
  ...IDENTITY_TYPES.filter((type) => !isDeviceIdType(type)),
  ...DEVICE_PRIORITY,
];

export interface ResolverConfigOptions {
  strategy?: Strategy;
  loginIds?: readonly IdentityType[];
  uniqueIds?: readonly IdentityType[];
  priority?: readonly IdentityType[];
}

/** Resolver options, checked and completed once, so the decision core never re-checks them. */
export interface ResolverConfig {
  readonly strategy: RegisteredStrategy;
  readonly loginIds: ReadonlySet<IdentityType>;
  readonly uniqueIds: ReadonlySet<IdentityType>;
  /** every identity type, exactly once */
  readonly priority: readonly IdentityType[];
}

function invalid(message: string): never {
  throw new IdentityError('validation', `LocalResolver: ${message}`);
}

function typeList(value: unknown, name: string, allowDeviceIds: boolean): IdentityType[] {
  if (!Array.isArray(value)) invalid(`${name} must be an array of identity types`);
  const seen = new Set<IdentityType>();
  for (const type of value as unknown[]) {
    if (!isIdentityType(type)) invalid(`${name}: unknown identity type ${JSON.stringify(type)}`);
    if (!allowDeviceIds && isDeviceIdType(type)) {
      invalid(`${name}: device id "${type}" cannot be a login or unique ID`);
    }
    if (seen.has(type)) invalid(`${name}: "${type}" is listed twice`);
    seen.add(type);
  }
  return [...seen];
}

export function normaliseResolverConfig(options: ResolverConfigOptions): ResolverConfig {
  const strategy = findStrategy(options.strategy ?? DEFAULT_STRATEGY);
  if (!strategy) {
    invalid(
      `unknown strategy ${JSON.stringify(options.strategy)}; one of ${strategyNames().join(', ')}`,
    );
  }
  const loginIds = typeList(options.loginIds ?? strategy.defaultLoginIds, 'loginIds', false);
  const uniqueIds = typeList(options.uniqueIds ?? strategy.defaultUniqueIds, 'uniqueIds', false);
  const listed = typeList(options.priority ?? DEFAULT_PRIORITY, 'priority', true);
  // Unlisted types go last rather than nowhere: no identity is silently unmatchable.
  const priority = [...listed, ...DEFAULT_PRIORITY.filter((type) => !listed.includes(type))];
  return { strategy, loginIds: new Set(loginIds), uniqueIds: new Set(uniqueIds), priority };
}
