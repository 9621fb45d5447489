import { IdentityError } from '../errors';
import type { AliasRequest, AttributeValue, ConsentState, Identities } from '../types';
import type { OutboxEntry } from './outbox';

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
   * The identity revision (0: none yet). Only the identity cookie's code
   * moves it, with every commit that changes the device id, the current MPID
   * or its logged-in flag; the cookie carries it too, so that start-up and
   * sibling subdomains can tell which of the two is newer (docs: README
   * "Subdomains, Safari and server-side rendering").
   */
  identityRevision: number;
  users: UserRecord[];
}

/**
 * Applied in ONE transaction: all of it or none of it, and it moves the
 * revision by one. In order: `reset`, then `put` records upserted by mpid,
 * then `edit`, then `delete` mpids removed (a user both put and deleted ends
 * up deleted); last, when the change names a current user and puts a user the
 * store did not hold, the past users beyond the store's `maxUsers` are deleted,
 * least recently seen first (no other change can take the count past it).
 */
export interface StoreChange {
  /**
   * Stored only when none is stored yet, checked in the same transaction: of
   * tabs starting together the first one wins, and a device id never changes
   * (but by a reset). Read the winner back with `load()`.
   */
  deviceId?: string;
  /**
   * Forget every user, the current MPID and the service context, and the
   * alias outbox's entries that name a forgotten user; with `deviceId`, that
   * id replaces the stored one. How a commit observer tells a reset.
   */
  reset?: true;
  /**
   * A read-modify-write of one stored record, applied to the record as the
   * store holds it inside the transaction, so that writes of several tabs
   * never undo each other (two increments both count). It may throw an
   * IdentityError (validation): the transaction is then undone and that
   * error surfaces. A record that is not stored is a validation error.
   */
  edit?: {
    mpid: string;
    apply(latest: UserRecord): UserRecord;
    /** the record as the client holds it: what a memory fallback, which starts empty, edits */
    held?: UserRecord;
  };
  currentMpid?: string | null;
  /** see StoredState.identityRevision: stored in the same transaction */
  identityRevision?: number;
  context?: string | null;
  put?: UserRecord[];
  delete?: string[];
}

/** What a store can do, fixed when it opens; the client plans with it. */
export interface StoreCapabilities {
  /** other tabs of this origin read and write the same state (IndexedDB) */
  readonly sharedAcrossTabs: boolean;
}

/** What a client kept in memory (say, before consent), moving into a persistent store. */
export interface HeldState extends StoredState {
  /** the alias requests it holds, not yet accepted */
  outbox: OutboxEntry[];
}

/** What a commit did, beyond the change it was given. */
export interface Committed {
  /** the store's revision after the commit */
  revision: number;
  /** the record `edit` produced, as stored */
  edited?: UserRecord;
  /** mpids the store deleted of its own accord: past users beyond `maxUsers`, or every user on a reset */
  deleted: string[];
}

/** past users kept besides the current one, when no `maxUsers` is given */
export const DEFAULT_MAX_USERS = 20;

export interface ClientStore {
  readonly capabilities: StoreCapabilities;
  /**
   * Called once if the store, after opening, has to carry on in memory (its
   * database was taken away and could not be reopened): from then on it no
   * longer shares anything with other tabs.
   */
  onFallback(listener: () => void): void;
  /**
   * Reads the device, the current user and the `maxUsers` most recently seen
   * past users (not every record: start-up must not grow with how many users
   * were ever stored). Callable again at any time (a re-read after another tab wrote).
   */
  load(): Promise<StoredState>;
  /** Reads the revision alone: one small record. */
  readRevision(): Promise<number>;
  /**
   * Resolves with the revision the change got and what the store did of its
   * own. Rejects with IdentityError 'storage' and changes nothing when it
   * cannot persist.
   */
  commit(change: StoreChange): Promise<Committed>;
  /**
   * Persistent stores only (`persist()`): takes in a state held elsewhere, in
   * ONE transaction. The newer by revision (the stored one on a tie) decides
   * the device, the current user and the context, as start-up would; the held
   * users the store lacks become past users; every held alias request is
   * added. `deleted` lists the past users then beyond `maxUsers`.
   */
  absorb?(held: HeldState): Promise<Committed>;
  close(): Promise<void>;
}

/**
 * A deep copy of a user record. Records hold only JSON-safe data (validated
 * attributes and consent), so a JSON round trip is exact and keeps the bundle small.
 */
export function cloneRecord(record: UserRecord): UserRecord {
  return JSON.parse(JSON.stringify(record)) as UserRecord;
}

/** An edit on the record as stored; a user the store no longer holds (reset, evicted) cannot be written. */
export function applyEdit(edit: NonNullable<StoreChange['edit']>, stored?: UserRecord): UserRecord {
  if (stored === undefined) {
    throw new IdentityError('validation', `user ${edit.mpid} is not known to this client`);
  }
  return edit.apply(stored);
}

/** Whether an alias request names one of `mpids` (a reset drops those). */
export function namesAny(request: AliasRequest, mpids: ReadonlySet<string>): boolean {
  return mpids.has(request.sourceMpid) || mpids.has(request.destinationMpid);
}
