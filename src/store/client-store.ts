import type { AttributeValue, ConsentState, Identities } from '../types';

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
  /**
   * Counts the commits ever made to this store (0: none). Tabs compare it with
   * the revision they hold to learn, with one small read, whether another tab
   * wrote something they have not heard of.
   */
  revision: number;
  deviceId: string | null;
  currentMpid: string | null;
  /** the identity service's opaque context, sent back with every call */
  context: string | null;
  /**
   * The identity revision (0: none yet): moved by every commit that changes
   * the device id, the current MPID or its logged-in flag, and carried by the
   * identity cookie, so that start-up and sibling subdomains can tell which of
   * the two is newer (docs: README "Subdomains, Safari and server-side rendering").
   */
  identityRevision: number;
  users: UserRecord[];
}

/**
 * Applied in ONE transaction: all of it or none of it, and it moves the
 * revision by one. `put` records are upserted by mpid, then `delete` mpids
 * removed (a user both put and deleted ends up deleted).
 */
export interface StoreChange {
  /**
   * Stored only when none is stored yet, checked in the same transaction: of
   * tabs starting together the first one wins, and a device id never changes.
   * Read the winner back with `load()`.
   */
  deviceId?: string;
  /** Replaces the stored device id (one adopted from the identity cookie or `bootstrap`). */
  newDeviceId?: string;
  currentMpid?: string | null;
  /** see StoredState.identityRevision */
  identityRevision?: number;
  context?: string | null;
  put?: UserRecord[];
  delete?: string[];
}

/** What a store can do, fixed when it opens; the client plans with it. */
export interface StoreCapabilities {
  /** other tabs of this origin read and write the same state (IndexedDB) */
  readonly sharedAcrossTabs: boolean;
  /**
   * kept across reloads by choice (IndexedDB; still true once it has fallen
   * back to memory, false for storage: 'memory'): only such state is mirrored
   * into the identity cookie
   */
  readonly persistent: boolean;
}

export interface ClientStore {
  readonly capabilities: StoreCapabilities;
  /**
   * Called once if the store, after opening, has to carry on in memory (its
   * database was taken away and could not be reopened): from then on it no
   * longer shares anything with other tabs.
   */
  onFallback(listener: () => void): void;
  /** Reads everything. Callable again at any time (a re-read after another tab wrote). */
  load(): Promise<StoredState>;
  /** Reads the revision alone: one small record. */
  readRevision(): Promise<number>;
  /**
   * Resolves with the revision the change got. Rejects with IdentityError
   * 'storage' and changes nothing when it cannot persist.
   */
  commit(change: StoreChange): Promise<number>;
  close(): Promise<void>;
}

/**
 * A deep copy of a user record. Records hold only JSON-safe data (validated
 * attributes and consent), so a JSON round trip is exact and keeps the bundle small.
 */
export function cloneRecord(record: UserRecord): UserRecord {
  return JSON.parse(JSON.stringify(record)) as UserRecord;
}
