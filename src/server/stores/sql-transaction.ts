/**
 * One resolver decision over SQL: the lookups it makes and the writes it
 * returns, inside the caller's transaction. Shared by the SQLite and the
 * PostgreSQL store; only `?` placeholders and portable SQL here.
 */
import { identityKeys } from '../../backends/local/memory-profile-store';
import type { ProfileLookup, ProfileWrites } from '../../backends/local/profile-store';
import type { IdentityType, Profile } from '../../types';
import type { SqlRunner } from './sql-runner';

/** A stored profile. The JSON is ours, but a `__proto__` key is dropped all the same. */
export function parseProfile(data: unknown): Profile {
  return JSON.parse(String(data), (key, value: unknown) =>
    key === '__proto__' ? undefined : value,
  ) as Profile;
}

/** `identityKeys` gives "type\0value"; a type name never holds \0, a value might. */
function splitKey(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Every (type, value) a profile holds, once each: its rows in `idsync_identities`. */
export function identityPairs(profile: Profile): [string, string][] {
  return [...new Set(identityKeys(profile))].map(splitKey);
}

export class SqlTransaction {
  /** the identity keys each profile had when this transaction read it (empty: read as absent) */
  private readonly keysAtRead = new Map<string, Set<string>>();

  constructor(
    private readonly db: SqlRunner,
    private readonly uniqueTypes: ReadonlySet<IdentityType>,
  ) {}

  /**
   * Rows already fetched by (type, value). Nothing is written before
   * `apply`, so a second lookup of one value (the core checks a login id
   * when it matches and again when it assigns it) needs no second query.
   */
  private readonly fetched = new Map<string, unknown[]>();

  readonly lookup: ProfileLookup = {
    byIdentity: async (type, value) => {
      const key = `${type}\u0000${value}`;
      let data = this.fetched.get(key);
      if (data === undefined) {
        const rows = await this.db.query(
          `SELECT p.data FROM idsync_identities i JOIN idsync_profiles p ON p.mpid = i.mpid
            WHERE i.type = ? AND i.value = ?`,
          [type, value],
        );
        this.fetched.set(key, (data = rows.map((row) => row.data)));
      }
      // Parsed afresh each time: the core edits what it reads.
      return data.map((text) => this.remember(parseProfile(text)));
    },
    byMpid: async (mpid) => {
      const [row] = await this.db.query(`SELECT data FROM idsync_profiles WHERE mpid = ?`, [mpid]);
      if (row === undefined) {
        this.keysAtRead.set(mpid, new Set());
        return null;
      }
      return this.remember(parseProfile(row.data));
    },
  };

  private remember(profile: Profile): Profile {
    this.keysAtRead.set(profile.mpid, new Set(identityKeys(profile)));
    return profile;
  }

  /**
   * Writes the profiles and only the identity rows that changed. Every
   * removal goes before any insertion: a unique value moving from one
   * profile to another in this decision must leave before it arrives.
   */
  async apply(writes: ProfileWrites): Promise<void> {
    const latest = new Map(writes.put.map((profile) => [profile.mpid, profile]));
    const plans: { profile: Profile; removed: string[]; added: string[] }[] = [];
    for (const profile of latest.values()) {
      const before = this.keysAtRead.get(profile.mpid) ?? (await this.storedKeys(profile.mpid));
      const after = new Set(identityKeys(profile));
      const removed = [...before].filter((key) => !after.has(key));
      plans.push({ profile, removed, added: [...after].filter((key) => !before.has(key)) });
    }
    for (const { profile, removed } of plans) {
      for (const key of removed) {
        await this.db.query(
          `DELETE FROM idsync_identities WHERE type = ? AND value = ? AND mpid = ?`,
          [...splitKey(key), profile.mpid],
        );
      }
    }
    for (const { profile, added } of plans) {
      await this.db.query(
        `INSERT INTO idsync_profiles (mpid, data) VALUES (?, ?)
           ON CONFLICT (mpid) DO UPDATE SET data = excluded.data`,
        [profile.mpid, JSON.stringify(profile)],
      );
      for (const key of added) await this.insertIdentity(profile.mpid, ...splitKey(key));
    }
  }

  private insertIdentity(mpid: string, type: string, value: string) {
    const unique = this.uniqueTypes.has(type as IdentityType) ? 1 : 0;
    return this.db.query(
      `INSERT INTO idsync_identities (type, value, mpid, is_unique) VALUES (?, ?, ?, ?)`,
      [type, value, mpid, unique],
    );
  }

  /** A profile written without being read first: its identity rows follow its stored JSON. */
  private async storedKeys(mpid: string): Promise<Set<string>> {
    const [row] = await this.db.query(`SELECT data FROM idsync_profiles WHERE mpid = ?`, [mpid]);
    return new Set(row === undefined ? [] : identityKeys(parseProfile(row.data)));
  }
}
