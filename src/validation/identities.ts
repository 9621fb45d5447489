import { isIdentityType, type IdentityType } from '../identity-types';
import type { Identities } from '../types';
import { isPlainObject, safeKeys, type Fail } from './plain';

/** Longest identity value we accept: far above any real id, low enough to stop abuse. */
export const MAX_IDENTITY_LENGTH = 1024;

/**
 * Validates a map of identity type → value and returns a fresh copy holding
 * only its own, known keys. With `allowNull`, `null` means "remove" (modify).
 */
export function validateIdentities(
  value: unknown,
  field: string,
  fail: Fail,
  allowNull: true,
): Partial<Record<IdentityType, string | null>>;
export function validateIdentities(
  value: unknown,
  field: string,
  fail: Fail,
  allowNull?: false,
): Identities;
export function validateIdentities(
  value: unknown,
  field: string,
  fail: Fail,
  allowNull = false,
): Partial<Record<IdentityType, string | null>> {
  if (!isPlainObject(value)) fail(`${field} must be an object of identity type → value`);
  const out: Partial<Record<IdentityType, string | null>> = {};
  for (const key of safeKeys(value, field, fail)) {
    if (!isIdentityType(key)) fail(`${field}.${key}: unknown identity type`);
    const v = value[key];
    if (v === null && allowNull) {
      out[key] = null;
      continue;
    }
    if (typeof v !== 'string' || v.length === 0) {
      fail(`${field}.${key} must be a non-empty string${allowNull ? ' or null' : ''}`);
    }
    if (v.length > MAX_IDENTITY_LENGTH) {
      fail(`${field}.${key} is longer than ${MAX_IDENTITY_LENGTH} characters`);
    }
    out[key] = v;
  }
  return out;
}
