/**
 * Profiles in an embedded SQLite database (better-sqlite3), the server's
 * default store.
 *
 * Durability: WAL journal, `synchronous = NORMAL`, one transaction per
 * request, and the answer is sent only after COMMIT returned. A commit is
 * then in the WAL file: it survives the server being killed (kill -9, a
 * crash). On power loss or an OS crash, the last commits before the WAL was
 * last synced to disk may be lost; the database itself stays consistent.
 * FULL would sync on every commit (about 6 times the cost of a commit here,
 * and better-sqlite3 blocks the event loop for it).
 */
import { closeSync, openSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { IdentityError } from '../../errors';
import type { IdentityType } from '../../types';
import { loadSqlite } from './drivers';
import { SqlProfileStore, type TransactionMode } from './sql-profile-store';
import type { SqlRunner } from './sql-runner';
import { migrate } from './sql-schema';

type Database = BetterSqlite3.Database;

export interface SqliteStoreOptions {
  /** identity types no two profiles may share (the resolver's unique ids) */
  uniqueTypes: ReadonlySet<IdentityType>;
}

/** The file is created readable by its owner only; SQLite gives -wal and -shm the same mode. */
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function runnerOver(db: Database): SqlRunner {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    dialect: 'sqlite',
    async query(sql, params = []) {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
  };
}

const failure = (cause: unknown) =>
  new IdentityError('storage', 'The database could not be read or written', {
    httpCode: 503,
    cause,
  });

export class SqliteProfileStore extends SqlProfileStore {
  /** one connection, so one transaction at a time: the tail of the queue */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly db: Database,
    private readonly runner: SqlRunner,
    private readonly SqliteError: typeof BetterSqlite3.SqliteError,
    uniqueTypes: ReadonlySet<IdentityType>,
  ) {
    super(uniqueTypes);
  }

  /** Opens (or creates) FILE; anything unreadable stops here with a message naming FILE. */
  static async open(file: string, options: SqliteStoreOptions): Promise<SqliteProfileStore> {
    const Database = await loadSqlite();
    let db: Database | undefined;
    try {
      createPrivately(file);
      db = new Database(file, { fileMustExist: true });
      const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`could not switch to WAL (journal mode is ${mode})`);
      db.pragma('synchronous = NORMAL');
      // 32 MB of page cache: the indexes of 10^5 profiles stay in memory.
      db.pragma('cache_size = -32000');
      // Another process (an import) may hold the write lock for a moment.
      db.pragma('busy_timeout = 5000');
      const runner = runnerOver(db);
      db.exec('BEGIN IMMEDIATE');
      await migrate(runner);
      db.exec('COMMIT');
      return new SqliteProfileStore(db, runner, Database.SqliteError, options.uniqueTypes);
    } catch (error) {
      db?.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open the SQLite database ${file}: ${reason}`, { cause: error });
    }
  }

  protected inTransaction<T>(work: (db: SqlRunner) => Promise<T>, mode: TransactionMode) {
    const run = this.queue.then(async () => {
      if (this.closed) throw new IdentityError('closed', 'The store is closed');
      try {
        this.db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
        const result = await work(this.runner);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.rollback();
        // Only the database's own errors become `storage`; a bug elsewhere stays itself.
        if (mode === 'import' || !(error instanceof this.SqliteError)) throw error;
        throw failure(error);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private rollback(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // SQLite rolled back already (an I/O error does); the error that led here is the news.
    }
  }

  protected isUniqueViolation(error: unknown): boolean {
    const code = (error as { code?: unknown })?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
