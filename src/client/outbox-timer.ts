import type { OutboxEntry, OutboxStore } from '../store/outbox';

/** setTimeout's ceiling (2^31 - 1 ms); a later due time is reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface OutboxTimerOptions {
  store: OutboxStore;
  now: () => number;
  /** when an entry may be sent next (Infinity: never by this tab) */
  dueAt(entry: OutboxEntry): number;
  /** called when the earliest entry becomes due */
  onDue(): void;
}

export interface OutboxTimer {
  /** Re-arms the one timer from the stored entries (in call order: the last read wins). */
  schedule(): Promise<void>;
  stop(): void;
}

/** One timer, for the earliest moment an outbox entry becomes sendable. */
export function createOutboxTimer(options: OutboxTimerOptions): OutboxTimer {
  const { store, now } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let tail: Promise<void> = Promise.resolve();

  const arm = async (): Promise<void> => {
    let entries: OutboxEntry[];
    try {
      entries = await store.outboxAll();
    } catch {
      return; // nothing readable to schedule; the next call or start-up tries again
    }
    const due = entries.reduce(
      (earliest, entry) => Math.min(earliest, options.dueAt(entry)),
      Infinity,
    );
    clearTimeout(timer);
    timer = undefined;
    if (stopped || due === Infinity) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, due - now()));
    timer = setTimeout(() => {
      timer = undefined;
      options.onDue();
    }, wait);
  };

  return {
    schedule() {
      tail = tail.then(arm);
      return tail;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
