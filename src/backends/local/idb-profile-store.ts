import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { IdentityError } from '../../errors';
import type { Profile } from '../../types';
import { identityKey, identityKeys } from './memory-profile-store';
import type { PendingAlias, ProfileLookup, ProfileStore, ProfileWrites } from './profile-store';

export const DB_VERSION = 1;

/** A profile as stored: with the keys its multiEntry identity index is built from. */
type StoredProfile = Profile & { identityKeys: string[] };

interface ResolverSchema extends DBSchema {
  profiles: { key: string; value: StoredProfile; indexes: { byIdentity: string } };
  aliases: { key: string; value: PendingAlias };
}

function toStored(profile: Profile): StoredProfile {
  return { ...profile, identityKeys: [...new Set(identityKeys(profile))] };
}

function fromStored(stored: StoredProfile): Profile {
  const { identityKeys: _keys, ...profile } = stored;
  return profile;
}

function storageError(error: unknown): unknown {
  if (error instanceof IdentityError) return error;
  return new IdentityError('storage', 'resolver database failed', { cause: error });
}

async function storageCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storageError(error);
  }
}

/**
 * Profiles in IndexedDB. Each transact() is one readwrite transaction, so
 * tabs sharing the database take turns and a failed decision writes nothing.
 */
export class IdbProfileStore implements ProfileStore {
  private opening: Promise<IDBPDatabase<ResolverSchema>> | null = null;

  constructor(private readonly dbName: string) {}

  private db(): Promise<IDBPDatabase<ResolverSchema>> {
    this.opening ??= openDB<ResolverSchema>(this.dbName, DB_VERSION, {
      upgrade(db, oldVersion) {
        // Each case upgrades from that version; fall through to the newest.
        switch (oldVersion) {
          case 0: {
            const profiles = db.createObjectStore('profiles', { keyPath: 'mpid' });
            profiles.createIndex('byIdentity', 'identityKeys', { multiEntry: true });
            db.createObjectStore('aliases', { keyPath: 'id' });
          }
        }
      },
      // A newer version wants the database (another tab upgraded): step aside,
      // and reopen on next use.
      blocking: () => this.drop(),
      terminated: () => {
        this.opening = null;
      },
    }).catch((error: unknown) => {
      this.opening = null;
      throw storageError(error);
    });
    return this.opening;
  }

  private drop(): void {
    const opening = this.opening;
    this.opening = null;
    void opening?.then((db) => db.close());
  }

  async transact<T>(
    decide: (lookup: ProfileLookup) => Promise<{ result: T; writes: ProfileWrites }>,
  ): Promise<T> {
    const tx = await storageCall(async () =>
      (await this.db()).transaction('profiles', 'readwrite'),
    );
    // Only IDB requests are awaited until the writes, so the transaction stays alive.
    const lookup: ProfileLookup = {
      byIdentity: (type, value) =>
        storageCall(async () =>
          (await tx.store.index('byIdentity').getAll(identityKey(type, value))).map(fromStored),
        ),
      byMpid: (mpid) =>
        storageCall(async () => {
          const stored = await tx.store.get(mpid);
          return stored ? fromStored(stored) : null;
        }),
    };
    let decision: { result: T; writes: ProfileWrites };
    try {
      decision = await decide(lookup);
    } catch (error) {
      // The decision's own error (a 400, say) goes out as it is; nothing was written.
      tx.done.catch(() => undefined);
      try {
        tx.abort();
      } catch {
        // already finished
      }
      throw error;
    }
    const { result, writes } = decision;
    return storageCall(async () => {
      await Promise.all(writes.put.map((profile) => tx.store.put(toStored(profile))));
      await tx.done;
      return result;
    });
  }

  all(): Promise<Profile[]> {
    return storageCall(async () => (await (await this.db()).getAll('profiles')).map(fromStored));
  }

  get(mpid: string): Promise<Profile | null> {
    return storageCall(async () => {
      const stored = await (await this.db()).get('profiles', mpid);
      return stored ? fromStored(stored) : null;
    });
  }

  addAlias(alias: PendingAlias): Promise<void> {
    return storageCall(async () => {
      await (await this.db()).put('aliases', alias);
    });
  }

  pendingAliases(): Promise<PendingAlias[]> {
    return storageCall(async () => {
      const aliases = await (await this.db()).getAll('aliases');
      return aliases.sort((a, b) => a.acceptedAt - b.acceptedAt);
    });
  }

  removeAlias(id: string): Promise<void> {
    return storageCall(async () => {
      await (await this.db()).delete('aliases', id);
    });
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = null;
    if (opening) (await opening.catch(() => null))?.close();
  }
}
