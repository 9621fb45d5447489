import type { User } from '../types';
import type { UserRecord } from '../store/client-store';
import { createUser, type UpdateUser } from './user';
import { sameRecord } from './user-change';

/** A change of what the cache holds: from this tab's commit, another tab's, or a re-read. */
export interface CacheChange {
  currentMpid?: string | null;
  put?: readonly UserRecord[];
  delete?: readonly string[];
}

/**
 * The users this tab holds: their records, the current MPID, and one frozen
 * User snapshot per record. Records are never mutated, only replaced, so a
 * snapshot cached for a record object stays valid exactly as long as that record.
 */
export interface UserCache {
  readonly currentMpid: string | null;
  record(mpid: string): UserRecord | undefined;
  records(): UserRecord[];
  user(mpid: string): User | null;
  currentUser(): User | null;
  /** current user first, then by the last moment each was current here */
  users(): User[];
  /** Takes this tab's own committed change. */
  apply(change: CacheChange): void;
  /**
   * Takes a change another tab made. A record equal to the one held keeps the
   * held object, so its snapshot (and `getSnapshot()`) stays the same.
   */
  adopt(change: CacheChange): void;
  /** Takes the whole stored state (a re-read): users not in it are dropped. */
  replace(users: readonly UserRecord[], currentMpid: string | null): void;
}

export function createUserCache(
  users: readonly UserRecord[],
  currentMpid: string | null,
  update: UpdateUser,
): UserCache {
  const records = new Map<string, UserRecord>(users.map((r) => [r.mpid, r]));
  const snapshots = new Map<string, { record: UserRecord; user: User }>();
  let current = currentMpid !== null && records.has(currentMpid) ? currentMpid : null;

  const user = (mpid: string): User | null => {
    const record = records.get(mpid);
    if (record === undefined) return null;
    const cached = snapshots.get(mpid);
    if (cached !== undefined && cached.record === record) return cached.user;
    const snapshot = createUser(record, update);
    snapshots.set(mpid, { record, user: snapshot });
    return snapshot;
  };

  const take = (change: CacheChange, keepEqual: boolean): void => {
    for (const record of change.put ?? []) {
      const held = records.get(record.mpid);
      if (!keepEqual || held === undefined || !sameRecord(held, record)) {
        records.set(record.mpid, record);
      }
    }
    for (const mpid of change.delete ?? []) {
      records.delete(mpid);
      snapshots.delete(mpid);
    }
    const next = change.currentMpid;
    if (next !== undefined && (next === null || records.has(next))) current = next;
    // The current user can only go by a change that names another one; if it did not, none is current.
    if (current !== null && !records.has(current)) current = null;
  };

  return {
    get currentMpid() {
      return current;
    },
    record: (mpid) => records.get(mpid),
    records: () => [...records.values()],
    user,
    currentUser: () => (current === null ? null : user(current)),
    users() {
      const rank = (r: UserRecord): number => (r.mpid === current ? Infinity : r.lastSeen);
      return [...records.values()].sort((a, b) => rank(b) - rank(a)).map((r) => user(r.mpid)!);
    },
    apply: (change) => take(change, false),
    adopt: (change) => take(change, true),
    replace(latest, nextMpid) {
      const kept = new Set(latest.map((r) => r.mpid));
      const gone = [...records.keys()].filter((mpid) => !kept.has(mpid));
      take({ put: latest, delete: gone, currentMpid: nextMpid }, true);
    },
  };
}
