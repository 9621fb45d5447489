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
 * and better-sqlite3 blocks the event loop for it). Copying the WAL into the
 * database (checkpoints) happens off the request thread: sqlite-checkpoints.ts.
 */
import { closeSync, openSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { IdentityError } from '../../errors';
import type { IdentityType } from '../../types';
import { loadSqlite, sqliteDriverPath } from './drivers';
import { BackgroundCheckpoints } from './sqlite-checkpoints';
import { SqlProfileStore, type TransactionMode } from './sql-profile-store';
import type { SqlRunner } from './sql-runner';
import { migrate } from './sql-schema';

type Database = BetterSqlite3.Database;

export interface SqliteStoreOptions {
  /** identity types no two profiles may share (the resolver's unique ids) */
  uniqueTypes: ReadonlySet<IdentityType>;
  /** where a checkpoint worker that failed is reported */
  log?: (line: string) => void;
  /** WAL pages (4 KiB) from which the WAL is copied back and starts over; default 16,000 */
  walPages?: number;
}

/** SQLite's own default: a checkpoint inside the commit that takes the WAL past 1,000 pages. */
const INLINE_CHECKPOINT_PAGES = 1_000;

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

/**
 * The driver's own errors, known by name and code rather than `instanceof`:
 * a test runner that loads the driver once per test file makes another class
 * each time, while the native part keeps throwing the first.
 */
function isSqliteError(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string';
}

const failure = (cause: unknown) =>
  new IdentityError('storage', 'The database could not be read or written', {
    httpCode: 503,
    cause,
  });

/** BEGIN, COMMIT and ROLLBACK, prepared once rather than parsed for every request. */
function transactionStatements(db: Database) {
  return {
    read: db.prepare('BEGIN'),
    write: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
}

export class SqliteProfileStore extends SqlProfileStore {
  /** one connection, so one transaction at a time: the tail of the queue */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly statements: ReturnType<typeof transactionStatements>;
  private checkpoints: BackgroundCheckpoints | null = null;

  private constructor(
    private readonly db: Database,
    private readonly runner: SqlRunner,
    uniqueTypes: ReadonlySet<IdentityType>,
  ) {
    super(uniqueTypes);
    this.statements = transactionStatements(db);
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
      const store = new SqliteProfileStore(db, runner, options.uniqueTypes);
      store.startCheckpoints(file, options);
      return store;
    } catch (error) {
      db?.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot open the SQLite database ${file}: ${reason}`, { cause: error });
    }
  }

  /** Checkpoints on a worker thread; where none can start, SQLite's own, inside commits. */
  private startCheckpoints(file: string, options: SqliteStoreOptions): void {
    const log = options.log ?? (() => undefined);
    const inline = (reason: string) => {
      log(`sqlite: checkpoints run inside commits (${reason})`);
      if (!this.closed) this.db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
    };
    try {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpoints = new BackgroundCheckpoints({
        file,
        driver: sqliteDriverPath(),
        ...(options.walPages === undefined ? {} : { catchUpPages: options.walPages }),
        ready: () => this.letWorkerFinish(),
        failed: inline,
      });
    } catch (error) {
      inline(error instanceof Error ? error.message : String(error));
    }
  }

  /** Holds the next transaction back while the worker finishes the copy (sqlite-checkpoints.ts). */
  private letWorkerFinish(): void {
    const worker = this.checkpoints;
    if (worker) this.queue = this.queue.then(() => worker.finalPass());
  }

  protected inTransaction<T>(work: (db: SqlRunner) => Promise<T>, mode: TransactionMode) {
    const run = this.queue.then(async () => {
      if (this.closed) throw new IdentityError('closed', 'The store is closed');
      try {
        (mode === 'read' ? this.statements.read : this.statements.write).run();
        const result = await work(this.runner);
        this.statements.commit.run();
        return result;
      } catch (error) {
        this.rollback();
        // Only the database's own errors become `storage`; a bug elsewhere stays itself.
        if (mode === 'import' || !isSqliteError(error)) throw error;
        throw failure(error);
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private rollback(): void {
    try {
      if (this.db.inTransaction) this.statements.rollback.run();
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
    // The worker's connection first: the last one to close folds the WAL into the database.
    await this.checkpoints?.close();
    this.db.close();
  }
}
