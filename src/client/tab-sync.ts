import type { UserRecord } from '../store/client-store';
import { isMpid } from '../validation/mpid';
import { isPlainObject } from '../validation/plain';
import { randomUuid } from '../uuid';

/** What one tab committed, as the other tabs apply it. Plain data only. */
export interface SyncedChange {
  /** the store's revision after this commit: a gap tells a tab that it missed one */
  revision: number;
  /** present when the commit set the current user */
  currentMpid?: string | null;
  /** present when the commit stored a new service context */
  context?: string | null;
  /** present when the device id changed (a reset that renewed it, a persist whose state won) */
  deviceId?: string;
  /** a reset: every user forgotten, no current user */
  reset?: true;
  /** records written */
  put: UserRecord[];
  /** mpids of users deleted */
  delete: string[];
}

export interface TabSync {
  /** Tells the other tabs about a successful commit. */
  post(change: SyncedChange): void;
  /** true when changes arrive as messages; false when the client must re-read the store. */
  readonly live: boolean;
  close(): void;
}

export interface TabSyncHandlers {
  /** Called synchronously with another tab's commit. */
  onChange(change: SyncedChange): void;
  /** Without BroadcastChannel: the page came back into view, the store may be newer. */
  onMaybeStale(): void;
}

/**
 * Keeps the tabs of one database in agreement: `BroadcastChannel('idsync:' +
 * dbName)` where the browser has it, else a re-read when the page becomes
 * visible or gets focus (the `storage` event would need localStorage, which
 * private modes and sandboxes may lack).
 */
export function connectTabs(dbName: string, handlers: TabSyncHandlers): TabSync {
  const channel = openChannel(`idsync:${dbName}`);
  if (channel !== null) {
    const self = randomUuid();
    channel.onmessage = (event: MessageEvent) => {
      const change = readMessage(event.data, self);
      if (change !== null) handlers.onChange(change);
    };
    // Node's BroadcastChannel (tests, SSR) would keep the process alive.
    (channel as { unref?: () => void }).unref?.();
    return {
      live: true,
      post(change) {
        try {
          channel.postMessage({ from: self, ...change });
        } catch {
          // closed channel: nobody left to tell
        }
      },
      close: () => channel.close(),
    };
  }

  const onVisible = (): void => {
    if (document.visibilityState === 'visible') handlers.onMaybeStale();
  };
  const onFocus = (): void => handlers.onMaybeStale();
  const hasWindow = typeof window !== 'undefined' && typeof document !== 'undefined';
  if (hasWindow) {
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onFocus);
  }
  return {
    live: false,
    post: () => undefined,
    close() {
      if (hasWindow) {
        document.removeEventListener('visibilitychange', onVisible);
        window.removeEventListener('focus', onFocus);
      }
    },
  };
}

function openChannel(name: string): BroadcastChannel | null {
  try {
    return typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
  } catch {
    return null; // refused (opaque origin): fall back to re-reading the store
  }
}

/**
 * A message is data from another script of the same origin: checked for the
 * shape we send and ignored otherwise. Our own messages are ignored too.
 */
function readMessage(data: unknown, self: string): SyncedChange | null {
  if (!isPlainObject(data) || typeof data.from !== 'string' || data.from === self) return null;
  const { revision, currentMpid, context, put, delete: deleted, deviceId, reset } = data;
  if (!Number.isSafeInteger(revision) || (revision as number) < 1) return null;
  if (!Array.isArray(put) || !put.every(isRecordLike)) return null;
  if (!Array.isArray(deleted) || !deleted.every(isMpid)) return null;
  if (currentMpid !== undefined && currentMpid !== null && !isMpid(currentMpid)) return null;
  if (context !== undefined && context !== null && typeof context !== 'string') return null;
  if (deviceId !== undefined && typeof deviceId !== 'string') return null;
  if (reset !== undefined && reset !== true) return null;
  const change: SyncedChange = {
    revision: revision as number,
    put: put as UserRecord[],
    delete: deleted as string[],
  };
  if (currentMpid !== undefined) change.currentMpid = currentMpid as string | null;
  if (context !== undefined) change.context = context as string | null;
  if (deviceId !== undefined) change.deviceId = deviceId as string;
  if (reset) change.reset = true;
  return change;
}

function isRecordLike(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    isMpid(value.mpid) &&
    isPlainObject(value.identities) &&
    isPlainObject(value.attributes) &&
    isPlainObject(value.consent) &&
    typeof value.isLoggedIn === 'boolean' &&
    typeof value.firstSeen === 'number' &&
    typeof value.lastSeen === 'number'
  );
}
