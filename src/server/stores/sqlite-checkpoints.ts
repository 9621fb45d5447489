/**
 * WAL checkpoints of the sqlite store, off the request thread.
 *
 * Why: a commit appends the pages it changed to the WAL file; a checkpoint
 * copies them into the database file and syncs both files. SQLite's own
 * automatic checkpoint runs inside the commit that takes the WAL past 1,000
 * pages, so every few hundred requests one of them waited for that copy and
 * those syncs, and with it the server's one thread and every request in
 * flight. With 10^5 profiles a request touches pages all over the file, so
 * the checkpoints came more often and cost more: measured in process, they
 * were half of a request's time there (0.37 against 0.18 ms per call).
 *
 * How: SQLite's automatic checkpoints are off on the request connection. A
 * worker thread with a connection of its own copies the WAL into the
 * database every PERIOD_MS (PASSIVE: it neither waits for nor blocks the
 * request connection). The request thread never checkpoints, so it never
 * waits for a sync (on this machine one took up to 50 ms while other jobs
 * wrote to the disk).
 *
 * The WAL file starts over from its beginning only when a transaction
 * begins with every page in it copied, which a copier racing a steady
 * writer never leaves it. So once the WAL holds `catchUpPages`, the worker
 * copies again at once, each pass shorter than the last, until one finds at
 * most FEW_PAGES new; it then says it is ready, and the store holds its next
 * transaction back (its event loop stays free) while the worker copies the
 * rest (`finalPass`); the transaction after starts the WAL over. A worker
 * that cannot keep up is held to four times `catchUpPages` the same way, so
 * the file stays bounded. An idle store needs none of this: the worker's
 * pass leaves the WAL fully copied, and the next commit starts it over.
 *
 * Nothing here changes what a commit promises: it is in the WAL when the
 * answer goes out, whether or not it has been copied yet.
 */
import { Worker } from 'node:worker_threads';

/** How long the worker rests when the WAL is small, or nothing was written. */
const PERIOD_MS = 100;
/**
 * WAL pages (4 KiB each) from which the WAL is to start over, by default:
 * 64 MiB, about 4,500 identify or login requests' worth (3.5 pages each).
 * Under 2,500 requests a second the store then waits for the worker's last
 * pass about once every two seconds.
 */
export const CATCH_UP_PAGES = 16_000;
/** New pages a pass may have found for the worker to copy the rest while the store waits. */
const FEW_PAGES = 64;
/** A final pass that has not answered by then is not waited for any longer. */
const FINAL_PASS_TIMEOUT_MS = 2_000;

/** The worker's loop: `ready` when the store should let it finish, `final` after it did. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { driver, file, catchUpPages, fewPages, periodMs } = workerData;
const Database = require(driver);
const db = new Database(file, { fileMustExist: true });
let closing = false;
let wake = () => {};
let before = 0;
function pass() {
  const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
  const added = log >= before ? log - before : log;
  before = log;
  return { log, checkpointed, added };
}
parentPort.on('message', (message) => {
  if (message === 'final') {
    parentPort.postMessage({ final: pass() });
  } else if (message === 'close') {
    closing = true;
    wake();
  }
});
const rest = (ms) =>
  new Promise((resolve) => {
    wake = resolve;
    setTimeout(resolve, ms);
  });
async function run() {
  while (!closing) {
    const { log, added } = pass();
    if (added > 0 && log >= catchUpPages) {
      if (added > fewPages && log < 4 * catchUpPages) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      parentPort.postMessage({ ready: log });
    }
    await rest(periodMs);
  }
}
run().then(
  () => {
    db.close();
    parentPort.close();
  },
  (error) => {
    parentPort.postMessage({ error: String((error && error.message) || error) });
    db.close();
    parentPort.close();
  },
);
`;

type Report = { ready: number } | { final: unknown } | { error: string };

export interface CheckpointerOptions {
  /** the database file */
  file: string;
  /** the path better-sqlite3 loads from (drivers.ts) */
  driver: string;
  /** WAL pages from which the WAL is to start over; default CATCH_UP_PAGES */
  catchUpPages?: number;
  /**
   * The worker can finish the copy: the store is to call `finalPass()`
   * between two of its transactions and begin no other until it resolves.
   */
  ready: () => void;
  /** the worker failed: the store goes back to SQLite's own checkpoints */
  failed: (reason: string) => void;
}

export class BackgroundCheckpoints {
  private readonly worker: Worker;
  private stopped = false;
  /** a final pass asked for and not yet done; further `ready` reports wait for it */
  private finishing: (() => void) | null = null;
  private asked = false;

  constructor(private readonly options: CheckpointerOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: options.file,
        driver: options.driver,
        catchUpPages: options.catchUpPages ?? CATCH_UP_PAGES,
        fewPages: FEW_PAGES,
        periodMs: PERIOD_MS,
      },
    });
    // The worker does not keep the process alive; close() ends it.
    this.worker.unref();
    this.worker.on('message', (report: Report) => this.reported(report));
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => this.fail(`the checkpoint worker exited with ${code}`));
  }

  private reported(report: Report): void {
    if ('error' in report) return this.fail(report.error);
    if ('final' in report) return this.finishing?.();
    if (this.asked || this.stopped) return;
    this.asked = true;
    this.options.ready();
  }

  /** The worker copies what is left while the store writes nothing; never rejects. */
  finalPass(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.finishing = null;
        this.asked = false;
        resolve();
      };
      const timer = setTimeout(done, FINAL_PASS_TIMEOUT_MS);
      this.finishing = done;
      this.worker.postMessage('final');
    });
  }

  private fail(reason: string): void {
    this.finishing?.();
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
    this.options.failed(reason);
  }

  /** Ends the worker and closes its connection (the request connection stays open). */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise((done) => this.worker.once('exit', done));
    this.worker.postMessage('close');
    // The worker ends after its pass; one that hangs is not waited for.
    const late = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(late);
    this.finishing?.();
  }
}
