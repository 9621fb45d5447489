import type { AttributeValue } from '../types';
import { isPlainObject, isPoisonedKey, safeKeys, type Fail } from './plain';

import {
  MAX_ATTRIBUTES,
  MAX_ATTRIBUTE_KEY_LENGTH,
  MAX_ATTRIBUTE_LIST_ITEM_LENGTH,
  MAX_ATTRIBUTE_LIST_LENGTH,
  MAX_ATTRIBUTE_STRING_LENGTH,
} from './limits';

export {
  MAX_ATTRIBUTES,
  MAX_ATTRIBUTE_KEY_LENGTH,
  MAX_ATTRIBUTE_LIST_ITEM_LENGTH,
  MAX_ATTRIBUTE_LIST_LENGTH,
  MAX_ATTRIBUTE_STRING_LENGTH,
};

export function validateAttributeKey(key: unknown, fail: Fail): string {
  if (typeof key !== 'string' || key.length === 0) fail('attribute key must be a non-empty string');
  if (key.length > MAX_ATTRIBUTE_KEY_LENGTH) {
    fail(`attribute key is longer than ${MAX_ATTRIBUTE_KEY_LENGTH} characters`);
  }
  if (isPoisonedKey(key)) fail(`attribute key "${key}" is not allowed`);
  return key;
}

/** Returns a copy of the value (lists are copied) so that the caller cannot change it later. */
export function validateAttributeValue(value: unknown, field: string, fail: Fail): AttributeValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${field} must be a finite number`);
    return value;
  }
  if (typeof value === 'string') {
    if (value.length > MAX_ATTRIBUTE_STRING_LENGTH) {
      fail(`${field} is longer than ${MAX_ATTRIBUTE_STRING_LENGTH} characters`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ATTRIBUTE_LIST_LENGTH) {
      fail(`${field} has more than ${MAX_ATTRIBUTE_LIST_LENGTH} entries`);
    }
    const list: string[] = [];
    // Index loop, not for-of: holes in sparse arrays must be seen (as undefined) and rejected.
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string') fail(`${field}[${i}] must be a string`);
      if (item.length > MAX_ATTRIBUTE_LIST_ITEM_LENGTH) {
        fail(`${field}[${i}] is longer than ${MAX_ATTRIBUTE_LIST_ITEM_LENGTH} characters`);
      }
      list.push(item);
    }
    return list;
  }
  fail(`${field} must be a string, finite number, boolean, null or list of strings`);
}

/**
 * Validates a map of attributes (as given to setAttributes) and returns a copy
 * built only from its validated own keys. The per-user count is checked by the
 * caller against the merged result.
 */
export function validateAttributes(
  value: unknown,
  field: string,
  fail: Fail,
): Record<string, AttributeValue> {
  if (!isPlainObject(value)) fail(`${field} must be an object of key → value`);
  const out: Record<string, AttributeValue> = {};
  for (const key of safeKeys(value, field, fail)) {
    validateAttributeKey(key, fail);
    out[key] = validateAttributeValue(value[key], `${field}.${key}`, fail);
  }
  if (Object.keys(out).length > MAX_ATTRIBUTES) {
    fail(`${field} has more than ${MAX_ATTRIBUTES} attributes`);
  }
  return out;
}

/**
 * `incrementAttribute`'s new value: a missing key counts from 0; a value that
 * is not a number, or a sum that is not finite, is refused.
 */
export function incremented(
  attributes: Record<string, AttributeValue>,
  key: string,
  by: number,
  fail: Fail,
): number {
  const value = Object.prototype.hasOwnProperty.call(attributes, key) ? attributes[key] : 0;
  if (typeof value !== 'number') fail(`attributes.${key} is not a number`);
  const sum = value + by;
  if (!Number.isFinite(sum)) fail(`attributes.${key} + ${by} is not a finite number`);
  return sum;
}
