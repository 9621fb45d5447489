import type { AttributeValue, ConsentState, Identities, IdentityType, Logger } from '../types';
import type { UserRecord } from '../store/client-store';
import { MAX_ATTRIBUTES } from '../validation/limits';

/**
 * The pure rules applied when a call succeeds: how identities change and what
 * is carried from the previous user to the next. No I/O here.
 */

export function applyIdentityChanges(
  identities: Identities,
  changes: Partial<Record<IdentityType, string | null>>,
): Identities {
  const out: Identities = { ...identities };
  for (const [type, value] of Object.entries(changes) as [IdentityType, string | null][]) {
    if (value === null) delete out[type];
    else out[type] = value;
  }
  return out;
}

/**
 * Attributes: previous wins. Beyond the per-user limit the next user's own
 * attributes are kept and only as many of the previous user's as fit are added.
 */
export function mergeAttributes(
  previous: Record<string, AttributeValue>,
  next: Record<string, AttributeValue>,
  logger: Logger,
): Record<string, AttributeValue> {
  const out = { ...next };
  let count = Object.keys(out).length;
  let skipped = 0;
  for (const [key, value] of Object.entries(previous)) {
    if (Object.prototype.hasOwnProperty.call(out, key)) out[key] = value;
    else if (count < MAX_ATTRIBUTES) {
      out[key] = value;
      count++;
    } else skipped++;
  }
  if (skipped > 0) {
    logger.warn(
      `[idsync] copyOnUserChange: ${skipped} attribute(s) of the previous user not copied (limit ${MAX_ATTRIBUTES})`,
    );
  }
  return out;
}

/** Consent: GDPR merged per purpose (previous wins); CCPA from previous when it has one. */
export function mergeConsent(previous: ConsentState, next: ConsentState): ConsentState {
  const out: ConsentState = { ...next };
  if (previous.gdpr !== undefined) out.gdpr = { ...next.gdpr, ...previous.gdpr };
  if (previous.ccpa !== undefined) out.ccpa = previous.ccpa;
  return out;
}

/** Records hold plain JSON data; with keys sorted, equal records give equal strings. */
export function sameRecord(a: UserRecord, b: UserRecord): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
