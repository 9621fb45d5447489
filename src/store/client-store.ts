import type { AttributeValue, ConsentState, Identities } from '../types';
import type { OutboxStore } from './outbox';

/**
 * Where the client keeps its state. The client's rules never touch IndexedDB
 * directly: the memory fallback is the same client over another store.
 */

/** One user as persisted: plain data only, so it clones and serialises as is. */
export interface UserRecord {
  mpid: string;
  identities: Identities;
  attributes: Record<string, AttributeValue>;
  consent: ConsentState;
  isLoggedIn: boolean;
  firstSeen: number;
  lastSeen: number;
}

export interface StoredState {
  deviceId: string | null;
  currentMpid: string | null;
  users: UserRecord[];
}

/** Applied in ONE transaction: all of it or none of it. `users` are upserted by mpid. */
export interface StoreChange {
  deviceId?: string;
  currentMpid?: string | null;
  users?: UserRecord[];
}

/** The alias outbox (see outbox.ts) lives in the same database as the users. */
export interface ClientStore extends OutboxStore {
  readonly kind: 'indexeddb' | 'memory';
  /** Reads everything. Callable again at any time (a re-read after another tab wrote). */
  load(): Promise<StoredState>;
  /** Rejects with IdentityError 'storage' and changes nothing when it cannot persist. */
  commit(change: StoreChange): Promise<void>;
  close(): Promise<void>;
}

/**
 * A deep copy of a user record. Records hold only JSON-safe data (validated
 * attributes and consent), so a JSON round trip is exact and keeps the bundle small.
 */
export function cloneRecord(record: UserRecord): UserRecord {
  return JSON.parse(JSON.stringify(record)) as UserRecord;
}
