import type { ConsentDecision, ConsentState } from '../types';
import { isPlainObject, isPoisonedKey, safeKeys, type Fail } from './plain';

const DECISION_KEYS: ReadonlySet<string> = new Set([
  'consented',
  'timestamp',
  'document',
  'location',
  'hardwareId',
]);
const OPTIONAL_STRINGS = ['document', 'location', 'hardwareId'] as const;

export function validateConsentDecision(
  value: unknown,
  field: string,
  fail: Fail,
): ConsentDecision {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  for (const key of safeKeys(value, field, fail)) {
    if (!DECISION_KEYS.has(key)) fail(`${field}.${key}: unknown field`);
  }
  const { consented, timestamp } = value;
  if (typeof consented !== 'boolean') fail(`${field}.consented must be a boolean`);
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    fail(`${field}.timestamp must be a finite number`);
  }
  const out: ConsentDecision = { consented, timestamp };
  for (const key of OPTIONAL_STRINGS) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') fail(`${field}.${key} must be a string`);
    out[key] = v;
  }
  return out;
}

/** A GDPR purpose name, trimmed and lower-cased (docs/limits.md). */
export function validateGdprPurpose(key: unknown, field: string, fail: Fail): string {
  if (typeof key !== 'string') fail(`${field}: a purpose name must be a string`);
  const purpose = key.trim().toLowerCase();
  if (purpose.length === 0) fail(`${field}: purpose names must not be empty`);
  if (isPoisonedKey(purpose)) fail(`${field}: purpose "${purpose}" is not allowed`);
  return purpose;
}

/**
 * Validates a whole consent state and returns a copy built from validated own
 * keys only. GDPR purposes are trimmed and lower-cased (docs/limits.md);
 * two purposes that normalise to the same name are ambiguous and rejected.
 */
export function validateConsentState(value: unknown, field: string, fail: Fail): ConsentState {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  const out: ConsentState = {};
  for (const key of safeKeys(value, field, fail)) {
    if (key !== 'gdpr' && key !== 'ccpa') fail(`${field}.${key}: unknown field`);
  }
  if (value.gdpr !== undefined) {
    const gdpr = value.gdpr;
    if (!isPlainObject(gdpr)) fail(`${field}.gdpr must be an object of purpose → decision`);
    const purposes: Record<string, ConsentDecision> = {};
    for (const key of safeKeys(gdpr, `${field}.gdpr`, fail)) {
      const purpose = validateGdprPurpose(key, `${field}.gdpr`, fail);
      if (Object.prototype.hasOwnProperty.call(purposes, purpose)) {
        fail(`${field}.gdpr: purpose "${purpose}" is given twice`);
      }
      purposes[purpose] = validateConsentDecision(gdpr[key], `${field}.gdpr.${purpose}`, fail);
    }
    out.gdpr = purposes;
  }
  if (value.ccpa !== undefined) {
    const ccpa = value.ccpa;
    if (!isPlainObject(ccpa)) fail(`${field}.ccpa must be an object`);
    for (const key of safeKeys(ccpa, `${field}.ccpa`, fail)) {
      if (key !== 'data_sale_opt_out') fail(`${field}.ccpa.${key}: unknown field`);
    }
    out.ccpa = {
      data_sale_opt_out: validateConsentDecision(
        ccpa.data_sale_opt_out,
        `${field}.ccpa.data_sale_opt_out`,
        fail,
      ),
    };
  }
  return out;
}
