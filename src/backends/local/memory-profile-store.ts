import type { IdentityType, Profile } from '../../types';
import type { PendingAlias, ProfileLookup, ProfileStore, ProfileWrites } from './profile-store';

/** `"type\0value"`: one index key per identity value; \0 cannot occur in a type name. */
export function identityKey(type: string, value: string): string {
  return `${type}\u0000${value}`;
}

/** Every index key of a profile, additional (best-match) values included. */
export function identityKeys(profile: Profile): string[] {
  const keys: string[] = [];
  for (const [type, value] of Object.entries(profile.identities)) {
    if (value !== undefined) keys.push(identityKey(type, value));
  }
  for (const [type, values] of Object.entries(profile.additionalIdentities ?? {})) {
    for (const value of values ?? []) keys.push(identityKey(type, value));
  }
  return keys;
}

function copyProfile(profile: Profile): Profile {
  return structuredClone(profile);
}

/**
 * Profiles in memory, indexed by identity. Everything handed out or taken in
 * is a copy, so callers can never change the store behind its back. The Node
 * server's file store builds on `snapshot()` and the constructor.
 */
export class MemoryProfileStore implements ProfileStore {
  private readonly profilesByMpid = new Map<string, Profile>();
  private readonly mpidsByIdentity = new Map<string, Set<string>>();
  private readonly aliases = new Map<string, PendingAlias>();
  /** the tail of the queue of transactions: each starts when the previous settled */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(initial?: { profiles: Profile[]; aliases: PendingAlias[] }) {
    for (const profile of initial?.profiles ?? []) this.write(copyProfile(profile));
    for (const alias of initial?.aliases ?? []) this.aliases.set(alias.id, structuredClone(alias));
  }

  transact<T>(
    decide: (lookup: ProfileLookup) => Promise<{ result: T; writes: ProfileWrites }>,
  ): Promise<T> {
    const run = this.queue.then(async () => {
      // Lookups hand out copies: the decision changes them freely, and the
      // store changes only below, in one synchronous step.
      const { result, writes } = await decide(this.lookup);
      const put = writes.put.map(copyProfile);
      for (const profile of put) this.write(profile);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private readonly lookup: ProfileLookup = {
    byIdentity: async (type: IdentityType, value: string) => {
      const mpids = this.mpidsByIdentity.get(identityKey(type, value)) ?? [];
      return [...mpids].map((mpid) => copyProfile(this.profilesByMpid.get(mpid) as Profile));
    },
    byMpid: async (mpid: string) => this.getSync(mpid),
  };

  private getSync(mpid: string): Profile | null {
    const profile = this.profilesByMpid.get(mpid);
    return profile ? copyProfile(profile) : null;
  }

  private write(profile: Profile): void {
    const previous = this.profilesByMpid.get(profile.mpid);
    if (previous) {
      for (const key of identityKeys(previous)) {
        const mpids = this.mpidsByIdentity.get(key);
        mpids?.delete(profile.mpid);
        if (mpids?.size === 0) this.mpidsByIdentity.delete(key);
      }
    }
    this.profilesByMpid.set(profile.mpid, profile);
    for (const key of identityKeys(profile)) {
      let mpids = this.mpidsByIdentity.get(key);
      if (!mpids) this.mpidsByIdentity.set(key, (mpids = new Set()));
      mpids.add(profile.mpid);
    }
  }

  async all(): Promise<Profile[]> {
    return [...this.profilesByMpid.values()].map(copyProfile);
  }

  async get(mpid: string): Promise<Profile | null> {
    return this.getSync(mpid);
  }

  async addAlias(alias: PendingAlias): Promise<void> {
    this.aliases.set(alias.id, structuredClone(alias));
  }

  async pendingAliases(): Promise<PendingAlias[]> {
    return [...this.aliases.values()]
      .map((alias) => structuredClone(alias))
      .sort((a, b) => a.acceptedAt - b.acceptedAt);
  }

  async removeAlias(id: string): Promise<void> {
    this.aliases.delete(id);
  }

  /** Deep copies of everything, for persisting (the Node file store). */
  snapshot(): {
    /** every profile */
    profiles: Profile[];
    /** every alias accepted and not yet applied */
    aliases: PendingAlias[];
  } {
    return {
      profiles: [...this.profilesByMpid.values()].map(copyProfile),
      aliases: [...this.aliases.values()].map((alias) => structuredClone(alias)),
    };
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
