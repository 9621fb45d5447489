import { IdentityError, type IdentityErrorCode } from '../errors';

/** Keys that would reach Object.prototype if copied naively. */
const POISONED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isPoisonedKey(key: string): boolean {
  return POISONED_KEYS.has(key);
}

/** A plain data object: `{}` literal or null-prototype, not an array, class instance or proxy of one. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validation failures are raised with the code the caller gives: the client
 * says `validation`, a backend (the resolver) answers `bad_request` / 400.
 */
export type Fail = (message: string) => never;

export function failWith(code: IdentityErrorCode): Fail {
  return (message) => {
    throw new IdentityError(code, message, code === 'bad_request' ? { httpCode: 400 } : {});
  };
}

/** Own enumerable string keys of a plain object, rejecting prototype-polluting ones. */
export function safeKeys(value: Record<string, unknown>, field: string, fail: Fail): string[] {
  const keys = Object.keys(value);
  for (const key of keys) {
    if (isPoisonedKey(key)) fail(`${field}: key "${key}" is not allowed`);
  }
  // Object.keys skips a literal "__proto__" own property created by JSON.parse? It does not:
  // JSON.parse creates it as an own key, and the loop above catches it.
  return keys;
}
