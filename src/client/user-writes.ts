import type { AttributeValue, ConsentDecision, ConsentState } from '../types';
import type { UserRecord } from '../store/client-store';
import {
  incremented,
  validateAttributeKey,
  validateAttributes,
  validateAttributeValue,
} from '../validation/attributes';
import {
  validateConsentDecision,
  validateConsentState,
  validateGdprPurpose,
} from '../validation/consent';
import { MAX_ATTRIBUTES } from '../validation/limits';
import { failWith, type Fail } from '../validation/plain';
import type { UpdateUser } from './user';

const fail: Fail = failWith('validation');

/**
 * The write methods of a User snapshot (user.ts), loaded with the first
 * write. Each validates its input at call time, then hands the client a
 * change of the record, which the store applies to the record as stored.
 */
export const userWrites = {
  async setAttribute(
    update: UpdateUser,
    mpid: string,
    key: string,
    value: AttributeValue,
  ): Promise<void> {
    validateAttributeKey(key, fail);
    const valid = validateAttributeValue(value, `attributes.${key}`, fail);
    await update(mpid, (latest) => withAttributes(latest, { [key]: valid }, []));
  },
  async setAttributes(
    update: UpdateUser,
    mpid: string,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    const valid = validateAttributes(values, 'attributes', fail);
    await update(mpid, (latest) => withAttributes(latest, valid, []));
  },
  async removeAttribute(update: UpdateUser, mpid: string, key: string): Promise<void> {
    if (typeof key !== 'string') fail('attribute key must be a string');
    await update(mpid, (latest) => withAttributes(latest, {}, [key]));
  },
  async removeAllAttributes(update: UpdateUser, mpid: string): Promise<void> {
    await update(mpid, (latest) => ({ ...latest, attributes: {} }));
  },
  async incrementAttribute(update: UpdateUser, mpid: string, key: string, by = 1): Promise<number> {
    validateAttributeKey(key, fail);
    if (typeof by !== 'number' || !Number.isFinite(by)) fail('by must be a finite number');
    const record = await update(mpid, (latest) =>
      withAttributes(latest, { [key]: incremented(latest.attributes, key, by, fail) }, []),
    );
    return record.attributes[key] as number;
  },
  /** Replaces the user's whole consent state with `state` (not a merge). */
  async setConsent(update: UpdateUser, mpid: string, state: ConsentState): Promise<void> {
    const valid = validateConsentState(state, 'consent', fail);
    await update(mpid, (latest) => ({ ...latest, consent: valid }));
  },
  async setGdprConsent(
    update: UpdateUser,
    mpid: string,
    purpose: string,
    decision: ConsentDecision | null,
  ): Promise<void> {
    const name = validateGdprPurpose(purpose, 'purpose', fail);
    const valid = decision === null ? null : validateConsentDecision(decision, 'decision', fail);
    await update(mpid, (latest) => {
      const gdpr = { ...latest.consent.gdpr };
      if (valid === null) delete gdpr[name];
      else gdpr[name] = valid;
      return withConsent(latest, 'gdpr', Object.keys(gdpr).length > 0 ? gdpr : null);
    });
  },
  async setCcpaConsent(
    update: UpdateUser,
    mpid: string,
    decision: ConsentDecision | null,
  ): Promise<void> {
    const valid = decision === null ? null : validateConsentDecision(decision, 'decision', fail);
    await update(mpid, (latest) =>
      withConsent(latest, 'ccpa', valid === null ? null : { data_sale_opt_out: valid }),
    );
  },
};

export type UserWrites = typeof userWrites;

function withAttributes(
  record: UserRecord,
  set: Record<string, AttributeValue>,
  remove: string[],
): UserRecord {
  const attributes = { ...record.attributes };
  for (const key of remove) delete attributes[key];
  Object.assign(attributes, set);
  if (Object.keys(attributes).length > MAX_ATTRIBUTES) {
    fail(`a user holds at most ${MAX_ATTRIBUTES} attributes`);
  }
  return { ...record, attributes };
}

/** The record with one part of its consent set, or removed (`null`). */
function withConsent<K extends keyof ConsentState>(
  record: UserRecord,
  part: K,
  value: ConsentState[K] | null,
): UserRecord {
  const consent = { ...record.consent };
  if (value === null) delete consent[part];
  else consent[part] = value;
  return { ...record, consent };
}
