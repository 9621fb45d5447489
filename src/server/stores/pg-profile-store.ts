/**
 * Profiles in PostgreSQL (`pg`), shared by any number of server processes.
 *
 * Exactness across processes comes from the database, not from a lock in
 * one process: the unique index over (type, value) for the unique identity
 * types refuses a second profile for one login id, and a decision that
 * collides with another (that index, a concurrent update of a profile it
 * writes, a deadlock) is rolled back and made again from a fresh view, where
 * it finds the winner's profile.
 *
 * Left open: device ids are not unique (one device holds an anonymous and a
 * known profile), so two processes that see one brand-new device id at the
 * same instant may each create an anonymous profile for it.
 */
import type Pg from 'pg';
import { IdentityError } from '../../errors';
import type { IdentityType } from '../../types';
import { loadPg } from './drivers';
import { SqlProfileStore, type TransactionMode } from './sql-profile-store';
import type { SqlRunner } from './sql-runner';
import { migrate } from './sql-schema';

export interface PgStoreOptions {
  /** identity types no two profiles may share (the resolver's unique ids) */
  uniqueTypes: ReadonlySet<IdentityType>;
  /** connections this process keeps, default 10 */
  poolSize?: number;
  /** where lost connections are reported */
  log?: (line: string) => void;
}

/** Attempts of one decision before the caller is told to try again (503). */
const MAX_ATTEMPTS = 12;
/** Any fixed number: the advisory lock that serialises creating the schema. */
const SCHEMA_LOCK = 72_634_015;

/**
 * A decision runs under snapshot isolation: it sees one state of the
 * database, and a concurrent change to a profile it writes aborts it
 * (40001). What snapshot isolation alone would let through, two decisions
 * each finding no profile for a new login id, the unique index refuses
 * (23505). SERIALIZABLE would also close the gap named above, but its
 * predicate locks abort most concurrent inserts while tables are small
 * (measured: 11 logins/s and 503s, against 110/s without).
 * A schema change or an import runs once, under READ COMMITTED, so that
 * after waiting for a lock it sees what the lock holder committed.
 */
const ISOLATION: Record<TransactionMode, string> = {
  read: 'REPEATABLE READ READ ONLY',
  write: 'REPEATABLE READ',
  import: 'READ COMMITTED',
};

/** SQLSTATEs after which a decision is simply made again. */
const RETRY = new Set(['40001', '40P01', '23505']);

/** The URL without its password, fit for a message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

function runnerOver(client: Pg.PoolClient): SqlRunner {
  return {
    dialect: 'postgres',
    async query(sql, params = []) {
      const { text, name } = numbered(sql);
      // Named: each connection prepares a statement once and reuses it.
      const result = await client.query({ name, text, values: params as unknown[] });
      return result.rows as Record<string, unknown>[];
    },
  };
}

const numberedCache = new Map<string, { text: string; name: string }>();
/** `?` placeholders → `$1, $2…`; the SQL here never has a `?` inside a literal. */
function numbered(sql: string): { text: string; name: string } {
  let found = numberedCache.get(sql);
  if (!found) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    // Imports build statements of many sizes: only the fixed ones are prepared.
    const name = sql.length < 400 ? `idsync_${numberedCache.size}` : '';
    numberedCache.set(sql, (found = { text, name }));
  }
  return found;
}

type Outcome = 'retry' | 'unavailable' | 'failed' | 'rethrow';

function classify(error: unknown, pg: typeof Pg): Outcome {
  if (error instanceof IdentityError) return 'rethrow';
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    if (RETRY.has(code)) return 'retry';
    // connection exceptions, operator intervention (a shutdown), insufficient resources
    return /^(08|57|53)/.test(code) ? 'unavailable' : 'failed';
  }
  // No SQLSTATE: the connection itself failed (refused, reset, timed out, terminated),
  // or something else went wrong, a bug, which stays itself.
  const connection =
    error instanceof Error &&
    (typeof (error as NodeJS.ErrnoException).code === 'string' ||
      /connection|timeout|terminated/i.test(error.message));
  return connection ? 'unavailable' : 'rethrow';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PgProfileStore extends SqlProfileStore {
  private constructor(
    private readonly pg: typeof Pg,
    private readonly pool: Pg.Pool,
    uniqueTypes: ReadonlySet<IdentityType>,
  ) {
    super(uniqueTypes);
  }

  /** Connects and creates the tables; an unreachable database stops here, named (no password). */
  static async open(url: string, options: PgStoreOptions): Promise<PgProfileStore> {
    const pg = await loadPg();
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      query_timeout: 15_000,
      application_name: 'idsync-server',
    });
    // An idle connection dies when PostgreSQL restarts: the pool drops it; calls answer 503 meanwhile.
    pool.on('error', (error) => options.log?.(`database connection lost: ${error.message}`));
    const store = new PgProfileStore(pg, pool, options.uniqueTypes);
    try {
      await store.inTransaction(async (db) => {
        await db.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
        await migrate(db);
      }, 'import');
      return store;
    } catch (error) {
      await pool.end().catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open the PostgreSQL database ${redactUrl(url)}: ${reason}`, {
        cause: error,
      });
    }
  }

  protected async inTransaction<T>(work: (db: SqlRunner) => Promise<T>, mode: TransactionMode) {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(work, mode);
      if (outcome.ok) return outcome.result;
      const kind = classify(outcome.error, this.pg);
      if (kind === 'retry' && mode === 'write' && attempt < MAX_ATTEMPTS) {
        // Jittered, growing pauses: colliding decisions should not collide again.
        await sleep(Math.random() * Math.min(50, 2 ** attempt));
        continue;
      }
      throw this.toError(outcome.error, kind, mode);
    }
  }

  private async attempt<T>(work: (db: SqlRunner) => Promise<T>, mode: TransactionMode) {
    let client: Pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      return { ok: false as const, error };
    }
    let broken = false;
    // A connection that dies between queries (PostgreSQL shut down) reports it here.
    const lost = () => void (broken = true);
    client.on('error', lost);
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${ISOLATION[mode]}`);
      const result = await work(runnerOver(client));
      await client.query('COMMIT');
      return { ok: true as const, result };
    } catch (error) {
      broken = classify(error, this.pg) === 'unavailable';
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      return { ok: false as const, error };
    } finally {
      client.off('error', lost);
      // A broken connection is destroyed, not handed to the next request.
      client.release(broken);
    }
  }

  private toError(error: unknown, kind: Outcome, mode: TransactionMode): unknown {
    if (kind === 'rethrow' || mode === 'import') return error;
    if (kind === 'retry') {
      const message = 'Too many concurrent changes to the same profiles; try again';
      return new IdentityError('storage', message, { httpCode: 503, cause: error });
    }
    if (kind === 'unavailable') {
      const message = 'The database is unavailable; try again';
      return new IdentityError('storage', message, { httpCode: 503, cause: error });
    }
    return new IdentityError('storage', 'The database refused the change', { cause: error });
  }

  protected isUniqueViolation(error: unknown): boolean {
    return error instanceof this.pg.DatabaseError && error.code === '23505';
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
