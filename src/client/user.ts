import { lazy } from '../lazy';
import type { User } from '../types';
import { cloneRecord, type UserRecord } from '../store/client-store';
import type { UserWrites } from './user-writes';

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
 * The writes and their validation arrive with the first write (user-writes.ts):
 * most page loads read the current user and never write, so the start-up
 * bundle leaves them out (their own chunk in ESM/CJS, inlined in the IIFE).
 */
export function createUser(record: UserRecord, update: UpdateUser): User {
  const own = cloneRecord(record);
  const { mpid } = own;
  const write =
    (name: keyof UserWrites) =>
    async (...args: unknown[]): Promise<unknown> =>
      ((await loadWrites()).userWrites[name] as (...all: unknown[]) => unknown)(
        update,
        mpid,
        ...args,
      );
  // Each method's signature is checked where it is written: UserWrites in user-writes.ts.
  return Object.freeze({
    mpid,
    identities: Object.freeze(own.identities),
    attributes: deepFreeze(own.attributes),
    consent: deepFreeze(own.consent),
    isLoggedIn: own.isLoggedIn,
    firstSeen: own.firstSeen,
    lastSeen: own.lastSeen,
    setAttribute: write('setAttribute'),
    setAttributes: write('setAttributes'),
    removeAttribute: write('removeAttribute'),
    removeAllAttributes: write('removeAllAttributes'),
    incrementAttribute: write('incrementAttribute'),
    setConsent: write('setConsent'),
    setGdprConsent: write('setGdprConsent'),
    setCcpaConsent: write('setCcpaConsent'),
  }) as User;
}

const loadWrites = lazy(() => import('./user-writes'));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
