import type { AliasRequest, IdentityType, Profile } from '../../types';

/**
 * Read access the resolver's decision core needs: look profiles up by one
 * identity value or by MPID. Implementations must answer from an index, so a
 * lookup costs the same with 100 or 100,000 profiles, and must hand out
 * copies: the core edits what it reads and returns the edits as writes.
 */
export interface ProfileLookup {
  /** every profile holding `value` for `type` (in `identities` or `additionalIdentities`) */
  byIdentity(type: IdentityType, value: string): Promise<Profile[]>;
  /** the profile with this MPID, or null */
  byMpid(mpid: string): Promise<Profile | null>;
}

/** An alias request the resolver accepted (202) and will apply after its delay. */
export interface PendingAlias {
  /** the alias's id in the store */
  id: string;
  /** the request, as accepted */
  request: AliasRequest;
  /** ms since epoch: when it was accepted */
  acceptedAt: number;
  /** when processAliases() may apply it */
  dueAt: number;
}

/** What a decision wants written. Applied atomically with the lookups it was based on. */
export interface ProfileWrites {
  /** profiles to write whole (new or changed) */
  put: Profile[];
}

/**
 * Where the resolver keeps its profiles: memory, IndexedDB, or (on the Node
 * server) a JSON file. The decision logic never sees which.
 */
export interface ProfileStore {
  /**
   * Runs `decide` against a consistent view of the store and applies the
   * writes it returns, all or nothing. Calls never interleave.
   */
  transact<T>(
    decide: (lookup: ProfileLookup) => Promise<{ result: T; writes: ProfileWrites }>,
  ): Promise<T>;
  /** every profile, for the demo and tests */
  all(): Promise<Profile[]>;
  /** the profile with this MPID, or null */
  get(mpid: string): Promise<Profile | null>;
  /** stores an accepted alias until it is due */
  addAlias(alias: PendingAlias): Promise<void>;
  /** accepted aliases, oldest first */
  pendingAliases(): Promise<PendingAlias[]>;
  /** forgets an alias once applied */
  removeAlias(id: string): Promise<void>;
  /** releases the store (closes its database); no call may follow */
  close(): Promise<void>;
}
