import type {
  CopyOnUserChange,
  Environment,
  IdentityBackend,
  IdentityOptions,
  IdentityRequest,
  Logger,
  User,
} from '../types';
import { isPlainObject, failWith, type Fail } from '../validation/plain';
import { createConsoleLogger } from './logger';

/** IdentityOptions with every default applied: normalised ONCE, trusted afterwards. */
export interface ClientOptions {
  backend: IdentityBackend;
  dbName: string;
  storage: 'indexeddb' | 'memory';
  environment: Environment;
  identifyOnInit: IdentityRequest | false;
  copyOnUserChange: Required<CopyOnUserChange>;
  onUserAlias: ((previous: User, next: User) => void | Promise<void>) | undefined;
  logger: Logger;
  now: () => number;
  maxUsers: number;
}

const fail: Fail = failWith('validation');
const BACKEND_METHODS = ['identify', 'login', 'logout', 'modify', 'alias'] as const;
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * (One pass over the options, one check after another, read top to bottom:
 * longer than most functions, simpler split than not.)
 */
export function normalizeOptions(input: unknown): ClientOptions {
  if (!isPlainObject(input)) fail('options must be an object');
  const options = input as Partial<Record<keyof IdentityOptions, unknown>>;

  const backend = options.backend;
  if (typeof backend !== 'object' || backend === null) fail('options.backend is required');
  for (const name of BACKEND_METHODS) {
    if (typeof (backend as Record<string, unknown>)[name] !== 'function') {
      fail(`options.backend.${name} must be a function`);
    }
  }

  const dbName = options.dbName ?? 'idsync';
  if (typeof dbName !== 'string' || dbName.length === 0) {
    fail('options.dbName must be a non-empty string');
  }
  const storage = options.storage ?? 'indexeddb';
  if (storage !== 'indexeddb' && storage !== 'memory') {
    fail('options.storage must be "indexeddb" or "memory"');
  }
  const environment = options.environment ?? 'production';
  if (environment !== 'development' && environment !== 'production') {
    fail('options.environment must be "development" or "production"');
  }

  // A request given here is checked by createIdentity, with the identity
  // calls' validation (requests.ts), which loads only then.
  const identifyOnInit =
    options.identifyOnInit === false
      ? false
      : ((options.identifyOnInit ?? { userIdentities: {} }) as IdentityRequest);

  const copy = options.copyOnUserChange ?? {};
  if (!isPlainObject(copy)) fail('options.copyOnUserChange must be an object');
  for (const key of Object.keys(copy)) {
    if (key !== 'attributes' && key !== 'consent') {
      fail(`options.copyOnUserChange.${key}: unknown field`);
    }
    if (typeof copy[key] !== 'boolean') fail(`options.copyOnUserChange.${key} must be a boolean`);
  }

  const onUserAlias = options.onUserAlias;
  if (onUserAlias !== undefined && typeof onUserAlias !== 'function') {
    fail('options.onUserAlias must be a function');
  }

  const logger = options.logger ?? createConsoleLogger();
  if (typeof logger !== 'object' || logger === null) fail('options.logger must be an object');
  for (const name of LOGGER_METHODS) {
    if (typeof (logger as Record<string, unknown>)[name] !== 'function') {
      fail(`options.logger.${name} must be a function`);
    }
  }

  const now = options.now ?? Date.now;
  if (typeof now !== 'function') fail('options.now must be a function');

  const maxUsers = options.maxUsers ?? 20;
  if (!Number.isSafeInteger(maxUsers) || (maxUsers as number) < 1) {
    fail('options.maxUsers must be an integer of at least 1');
  }

  return {
    backend: backend as IdentityBackend,
    dbName,
    storage,
    environment,
    identifyOnInit,
    copyOnUserChange: { attributes: copy.attributes === true, consent: copy.consent === true },
    onUserAlias: onUserAlias as ClientOptions['onUserAlias'],
    logger: logger as Logger,
    now: now as () => number,
    maxUsers: maxUsers as number,
  };
}
