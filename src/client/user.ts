import type { AttributeValue, ConsentDecision, ConsentState, User } from '../types';
import { cloneRecord, type UserRecord } from '../store/client-store';
import { MAX_ATTRIBUTES } from '../validation/limits';
import { failWith, type Fail } from '../validation/plain';

const fail: Fail = failWith('validation');

// Attribute and consent validation arrive with the first write: most page
// loads read the current user and never write, so the start-up bundle
// leaves them out (their own chunk in ESM/CJS, inlined in the IIFE).
const attributeRules = () => import('../validation/attributes');
const consentRules = () => import('../validation/consent');

/**
 * Read-modify-write of one user's record, done by the client under its commit
 * mutex and applied by the store to the record as stored, so that concurrent
 * writes (of this tab or others) are never lost. Resolves with the record after it.
 */
export type UpdateUser = (
  mpid: string,
  change: (latest: UserRecord) => UserRecord,
) => Promise<UserRecord>;

/**
 * A frozen snapshot of a record. Its write methods validate at call time,
 * then hand a change to the client; the snapshot itself never changes.
 */
export function createUser(record: UserRecord, update: UpdateUser): User {
  const own = cloneRecord(record);
  const { mpid } = own;
  return Object.freeze({
    mpid,
    identities: Object.freeze(own.identities),
    attributes: deepFreeze(own.attributes),
    consent: deepFreeze(own.consent),
    isLoggedIn: own.isLoggedIn,
    firstSeen: own.firstSeen,
    lastSeen: own.lastSeen,
    async setAttribute(key: string, value: AttributeValue): Promise<void> {
      const { validateAttributeKey, validateAttributeValue } = await attributeRules();
      validateAttributeKey(key, fail);
      const valid = validateAttributeValue(value, `attributes.${key}`, fail);
      await update(mpid, (latest) => withAttributes(latest, { [key]: valid }, []));
    },
    async setAttributes(values: Record<string, AttributeValue>): Promise<void> {
      const { validateAttributes } = await attributeRules();
      const valid = validateAttributes(values, 'attributes', fail);
      await update(mpid, (latest) => withAttributes(latest, valid, []));
    },
    async removeAttribute(key: string): Promise<void> {
      if (typeof key !== 'string') fail('attribute key must be a string');
      await update(mpid, (latest) => withAttributes(latest, {}, [key]));
    },
    async removeAllAttributes(): Promise<void> {
      await update(mpid, (latest) => ({ ...latest, attributes: {} }));
    },
    async incrementAttribute(key: string, by = 1): Promise<number> {
      const { validateAttributeKey, incremented } = await attributeRules();
      validateAttributeKey(key, fail);
      if (typeof by !== 'number' || !Number.isFinite(by)) fail('by must be a finite number');
      const record = await update(mpid, (latest) =>
        withAttributes(latest, { [key]: incremented(latest.attributes, key, by, fail) }, []),
      );
      return record.attributes[key] as number;
    },
    /** Replaces the user's whole consent state with `state` (not a merge). */
    async setConsent(state: ConsentState): Promise<void> {
      const { validateConsentState } = await consentRules();
      const valid = validateConsentState(state, 'consent', fail);
      await update(mpid, (latest) => ({ ...latest, consent: valid }));
    },
    async setGdprConsent(purpose: string, decision: ConsentDecision | null): Promise<void> {
      const { validateGdprPurpose, validateConsentDecision } = await consentRules();
      const name = validateGdprPurpose(purpose, 'purpose', fail);
      const valid = decision === null ? null : validateConsentDecision(decision, 'decision', fail);
      await update(mpid, (latest) => {
        const gdpr = { ...latest.consent.gdpr };
        if (valid === null) delete gdpr[name];
        else gdpr[name] = valid;
        return withConsent(latest, 'gdpr', Object.keys(gdpr).length > 0 ? gdpr : null);
      });
    },
    async setCcpaConsent(decision: ConsentDecision | null): Promise<void> {
      const { validateConsentDecision } = await consentRules();
      const valid = decision === null ? null : validateConsentDecision(decision, 'decision', fail);
      await update(mpid, (latest) =>
        withConsent(latest, 'ccpa', valid === null ? null : { data_sale_opt_out: valid }),
      );
    },
  });
}

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

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
