import { IdentityError } from '../errors';
import {
  applyEdit,
  cloneRecord,
  DEFAULT_MAX_USERS,
  type ClientStore,
  type Committed,
  type StoreChange,
  type StoredState,
  type UserRecord,
} from './client-store';
import { createMemoryOutbox, type MemoryOutbox } from './outbox';
import type { ClientStores } from './stores';

/**
 * A ClientStore that lives as long as the page. Copies in and out: callers
 * never share its objects. `outbox`: the memory outbox beside it, whose
 * entries naming forgotten users a reset drops.
 */
export function createMemoryStore(
  maxUsers = DEFAULT_MAX_USERS,
  outbox?: MemoryOutbox,
): ClientStore {
  let revision = 0;
  let deviceId: string | null = null;
  let currentMpid: string | null = null;
  let context: string | null = null;
  let users = new Map<string, UserRecord>();
  let identityRevision = 0;
  let closed = false;

  return {
    capabilities: { sharedAcrossTabs: false },
    onFallback: () => undefined, // already in memory: nothing to fall back to
    async load(): Promise<StoredState> {
      // Eviction keeps it small: everything it holds is what a bounded read would give.
      const copies = [...users.values()].map(cloneRecord);
      return { revision, deviceId, currentMpid, context, identityRevision, users: copies };
    },
    readRevision: async () => revision,
    async commit(change: StoreChange): Promise<Committed> {
      if (closed) throw new IdentityError('storage', 'the memory store is closed');
      // Work on a copy, swapped in at the end: a failure leaves nothing behind.
      const next = change.reset ? new Map<string, UserRecord>() : new Map(users);
      const deleted = change.reset ? [...users.keys()] : [];
      const added = (change.put ?? []).some((record) => !next.has(record.mpid));
      for (const record of change.put ?? []) next.set(record.mpid, cloneRecord(record));
      const { edit } = change;
      const edited = edit && cloneRecord(applyEdit(edit, next.get(edit.mpid) ?? edit.held));
      if (edited) next.set(edited.mpid, edited);
      for (const mpid of change.delete ?? []) next.delete(mpid);
      if (added && typeof change.currentMpid === 'string') {
        const past = [...next.values()]
          .filter((r) => r.mpid !== change.currentMpid)
          .sort((a, b) => b.lastSeen - a.lastSeen || (a.mpid < b.mpid ? 1 : -1));
        for (const { mpid } of past.slice(maxUsers)) {
          next.delete(mpid);
          deleted.push(mpid);
        }
      }
      users = next;
      if (change.reset) {
        currentMpid = context = null;
        if (change.deviceId !== undefined) deviceId = change.deviceId;
        outbox?.dropNaming(new Set(deleted));
      } else if (deviceId === null && change.deviceId !== undefined) deviceId = change.deviceId;
      if (change.currentMpid !== undefined) currentMpid = change.currentMpid;
      if (change.context !== undefined) context = change.context;
      if (change.identityRevision !== undefined) identityRevision = change.identityRevision;
      return { revision: ++revision, deleted, ...(edited && { edited: cloneRecord(edited) }) };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

/**
 * Both stores in memory: the client's state and its outbox end with the page.
 * (The outbox refuses work once the client's store is closed.)
 */
export function createMemoryStores(maxUsers?: number): ClientStores {
  let closed = false;
  const outbox = createMemoryOutbox(() => closed);
  const client = createMemoryStore(maxUsers, outbox);
  const close = client.close;
  client.close = async () => {
    closed = true;
    await close();
  };
  return { client, outbox };
}
