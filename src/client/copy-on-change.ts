import type { UserRecord } from '../store/client-store';
import type { AttributeValue, ConsentState, CopyOnUserChange, Logger } from '../types';
import { MAX_ATTRIBUTES } from '../validation/limits';

/**
 * What `copyOnUserChange` carries from the previous user to the next. Loaded
 * only by clients that set it (its own chunk in ESM/CJS): most pages never copy.
 */
export function copyFrom(
  previous: UserRecord,
  next: UserRecord,
  copy: Required<CopyOnUserChange>,
  logger: Logger,
): UserRecord {
  return {
    ...next,
    attributes: copy.attributes
      ? mergeAttributes(previous.attributes, next.attributes, logger)
      : next.attributes,
    consent: copy.consent ? mergeConsent(previous.consent, next.consent) : next.consent,
  };
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
