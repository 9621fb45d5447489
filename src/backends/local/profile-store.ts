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
  byMpid(mpid: string): Promise<Profile | null>;
}

/** An alias request the resolver accepted (202) and will apply after its delay. */
export interface PendingAlias {
  id: string;
  request: AliasRequest;
  acceptedAt: number;
  /** when processAliases() may apply it */
  dueAt: number;
}

/** What a decision wants written. Applied atomically with the lookups it was based on. */
export interface ProfileWrites {
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
  all(): Promise<Profile[]>;
  get(mpid: string): Promise<Profile | null>;
  addAlias(alias: PendingAlias): Promise<void>;
  /** accepted aliases, oldest first */
  pendingAliases(): Promise<PendingAlias[]>;
  removeAlias(id: string): Promise<void>;
  close(): Promise<void>;
}
