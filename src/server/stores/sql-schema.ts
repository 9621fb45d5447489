/**
 * The tables, the same in SQLite and PostgreSQL but for column collation
 * and SQLite's WITHOUT ROWID:
 *
 * - `idsync_profiles`: one row per profile, the profile as JSON.
 * - `idsync_identities`: one row per identity value a profile holds (best
 *   match may hold several of a type). Its key (type, value, mpid) is the
 *   lookup index; the partial unique index over (type, value) for the unique
 *   types is what keeps two profiles from holding one login id, whichever
 *   process or connection writes them.
 * - `idsync_aliases`: accepted aliases waiting for their delay.
 * - `idsync_meta`: the schema version, so that a newer layout is refused, not misread.
 */
import type { SqlDialect, SqlRunner } from './sql-runner';

export const SCHEMA_VERSION = '1';

function statements(dialect: SqlDialect): string[] {
  // "C" collation in PostgreSQL: byte order, as in SQLite, and the cheapest comparisons.
  const text = dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
  const withoutRowid = dialect === 'sqlite' ? ' WITHOUT ROWID' : '';
  return [
    `CREATE TABLE IF NOT EXISTS idsync_meta (key ${text} PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS idsync_profiles (mpid ${text} PRIMARY KEY, data TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS idsync_identities (
       type ${text} NOT NULL, value ${text} NOT NULL, mpid ${text} NOT NULL,
       is_unique INTEGER NOT NULL, PRIMARY KEY (type, value, mpid))${withoutRowid}`,
    `CREATE UNIQUE INDEX IF NOT EXISTS idsync_identities_unique
       ON idsync_identities (type, value) WHERE is_unique = 1`,
    `CREATE TABLE IF NOT EXISTS idsync_aliases (
       id ${text} PRIMARY KEY, accepted_at BIGINT NOT NULL, data TEXT NOT NULL)`,
    `INSERT INTO idsync_meta (key, value) VALUES ('schema', '${SCHEMA_VERSION}')
       ON CONFLICT (key) DO NOTHING`,
  ];
}

/** Creates what is missing and checks the version; throws a message fit for the operator. */
export async function migrate(db: SqlRunner): Promise<void> {
  for (const sql of statements(db.dialect)) await db.query(sql);
  const [row] = await db.query(`SELECT value FROM idsync_meta WHERE key = 'schema'`);
  if (row?.value !== SCHEMA_VERSION) {
    throw new Error(
      `holds schema version ${String(row?.value)}, this server reads version ${SCHEMA_VERSION}`,
    );
  }
}
