/**
 * The resolver's `ProfileStore` over SQL, for SQLite and PostgreSQL alike.
 * A subclass supplies the one thing the dialects do differently: how a
 * transaction is begun, committed, retried, and how its errors read.
 */
import type {
  PendingAlias,
  ProfileLookup,
  ProfileStore,
  ProfileWrites,
} from '../../backends/local/profile-store';
import type { IdentityType, Profile } from '../../types';
import type { StoreSnapshot } from '../import-json';
import type { ProfilePages } from '../profile-pages';
import type { SqlRunner } from './sql-runner';
import { identityPairs, parseProfile, SqlTransaction } from './sql-transaction';

/**
 * `read`: sees one consistent state, writes nothing. `write`: a resolver
 * decision, which may be run again from the start when it conflicts with
 * another writer. `import`: a bulk load, run once; a conflict is an error.
 */
export type TransactionMode = 'read' | 'write' | 'import';

/** Rows per INSERT in an import: few round trips, well under SQLite's parameter limit. */
const IMPORT_BATCH = 500;

export abstract class SqlProfileStore implements ProfileStore, ProfilePages {
  protected constructor(protected readonly uniqueTypes: ReadonlySet<IdentityType>) {}

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  protected abstract inTransaction<T>(
    work: (db: SqlRunner) => Promise<T>,
    mode: TransactionMode,
  ): Promise<T>;

  /** Whether a failure was a unique index refusing a row (an import's duplicate). */
  protected abstract isUniqueViolation(error: unknown): boolean;

  abstract close(): Promise<void>;

  transact<T>(
    decide: (lookup: ProfileLookup) => Promise<{ result: T; writes: ProfileWrites }>,
  ): Promise<T> {
    return this.inTransaction(async (db) => {
      const transaction = new SqlTransaction(db, this.uniqueTypes);
      const { result, writes } = await decide(transaction.lookup);
      await transaction.apply(writes);
      return result;
    }, 'write');
  }

  all(): Promise<Profile[]> {
    return this.profiles(`SELECT data FROM idsync_profiles ORDER BY mpid`, []);
  }

  async get(mpid: string): Promise<Profile | null> {
    const [found] = await this.profiles(`SELECT data FROM idsync_profiles WHERE mpid = ?`, [mpid]);
    return found ?? null;
  }

  page(after: string | null, limit: number): Promise<Profile[]> {
    return this.profiles(`SELECT data FROM idsync_profiles WHERE mpid > ? ORDER BY mpid LIMIT ?`, [
      after ?? '',
      limit,
    ]);
  }

  async count(): Promise<number> {
    const [row] = await this.inTransaction(
      (db) => db.query(`SELECT COUNT(*) AS n FROM idsync_profiles`),
      'read',
    );
    return Number(row?.n ?? 0);
  }

  async addAlias(alias: PendingAlias): Promise<void> {
    await this.inTransaction((db) => insertAliases(db, [alias]), 'write');
  }

  async pendingAliases(): Promise<PendingAlias[]> {
    const rows = await this.inTransaction(
      (db) => db.query(`SELECT data FROM idsync_aliases ORDER BY accepted_at, id`),
      'read',
    );
    return rows.map((row) => JSON.parse(String(row.data)) as PendingAlias);
  }

  async removeAlias(id: string): Promise<void> {
    await this.inTransaction(
      (db) => db.query(`DELETE FROM idsync_aliases WHERE id = ?`, [id]),
      'write',
    );
  }

  /**
   * Adds a checked snapshot in one transaction: all of it or, on any
   * refusal, nothing. MPIDs, unique identities and alias ids already in the
   * store are refused, never overwritten. Errors name `source`.
   */
  async importSnapshot(snapshot: StoreSnapshot, source: string): Promise<void> {
    try {
      await this.inTransaction(async (db) => {
        for (let at = 0; at < snapshot.profiles.length; at += IMPORT_BATCH) {
          const batch = snapshot.profiles.slice(at, at + IMPORT_BATCH);
          await refuseKnownMpids(db, batch, source);
          await insertProfiles(db, batch, this.uniqueTypes);
        }
        await insertAliases(db, snapshot.aliases);
      }, 'import');
    } catch (error) {
      if (!this.isUniqueViolation(error)) throw error;
      throw new Error(
        `${source}: a unique identity or an alias id in it is already in the store; nothing was imported`,
        { cause: error },
      );
    }
  }

  private async profiles(sql: string, params: unknown[]): Promise<Profile[]> {
    const rows = await this.inTransaction((db) => db.query(sql, params), 'read');
    return rows.map((row) => parseProfile(row.data));
  }
}

const placeholders = (rows: number, columns: number) =>
  Array.from({ length: rows }, () => `(${Array(columns).fill('?').join(', ')})`).join(', ');

async function refuseKnownMpids(db: SqlRunner, batch: Profile[], source: string) {
  const known = await db.query(
    `SELECT mpid FROM idsync_profiles WHERE mpid IN (${batch.map(() => '?').join(', ')})`,
    batch.map((profile) => profile.mpid),
  );
  if (known.length > 0) {
    throw new Error(
      `${source}: MPID ${String(known[0]!.mpid)} is already in the store; nothing was imported`,
    );
  }
}

async function insertProfiles(db: SqlRunner, batch: Profile[], unique: ReadonlySet<IdentityType>) {
  await db.query(
    `INSERT INTO idsync_profiles (mpid, data) VALUES ${placeholders(batch.length, 2)}`,
    batch.flatMap((profile) => [profile.mpid, JSON.stringify(profile)]),
  );
  const rows: unknown[][] = [];
  for (const profile of batch) {
    for (const [type, value] of identityPairs(profile)) {
      rows.push([type, value, profile.mpid, unique.has(type as IdentityType) ? 1 : 0]);
    }
  }
  for (let at = 0; at < rows.length; at += IMPORT_BATCH) {
    const chunk = rows.slice(at, at + IMPORT_BATCH);
    await db.query(
      `INSERT INTO idsync_identities (type, value, mpid, is_unique) VALUES ${placeholders(chunk.length, 4)}`,
      chunk.flat(),
    );
  }
}

async function insertAliases(db: SqlRunner, aliases: PendingAlias[]): Promise<void> {
  for (let at = 0; at < aliases.length; at += IMPORT_BATCH) {
    const chunk = aliases.slice(at, at + IMPORT_BATCH);
    await db.query(
      `INSERT INTO idsync_aliases (id, accepted_at, data) VALUES ${placeholders(chunk.length, 3)}`,
      chunk.flatMap((alias) => [alias.id, alias.acceptedAt, JSON.stringify(alias)]),
    );
  }
}
