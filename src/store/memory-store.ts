import { IdentityError } from '../errors';
import {
  cloneRecord,
  type ClientStore,
  type StoreChange,
  type StoredState,
  type UserRecord,
} from './client-store';
import { createMemoryOutbox } from './outbox';
import type { ClientStores } from './stores';

/** A ClientStore that lives as long as the page. Copies in and out: callers never share its objects. */
export function createMemoryStore(): ClientStore {
  let revision = 0;
  let deviceId: string | null = null;
  let currentMpid: string | null = null;
  let context: string | null = null;
  let identityRevision = 0;
  const users = new Map<string, UserRecord>();
  let closed = false;

  return {
    capabilities: { sharedAcrossTabs: false, persistent: false },
    onFallback: () => undefined, // already in memory: nothing to fall back to
    async load(): Promise<StoredState> {
      const copies = [...users.values()].map(cloneRecord);
      return { revision, deviceId, currentMpid, context, identityRevision, users: copies };
    },
    readRevision: async () => revision,
    async commit(change: StoreChange): Promise<number> {
      if (closed) throw new IdentityError('storage', 'the memory store is closed');
      // Copy everything first, so that a failure cannot leave half a change behind.
      const copies = (change.put ?? []).map(cloneRecord);
      if (deviceId === null && change.deviceId !== undefined) deviceId = change.deviceId;
      if (change.newDeviceId !== undefined) deviceId = change.newDeviceId;
      if (change.identityRevision !== undefined) identityRevision = change.identityRevision;
      if (change.currentMpid !== undefined) currentMpid = change.currentMpid;
      if (change.context !== undefined) context = change.context;
      for (const record of copies) users.set(record.mpid, record);
      for (const mpid of change.delete ?? []) users.delete(mpid);
      return ++revision;
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

/**
 * Both stores in memory: the client's state and its outbox end with the page.
 * (The client refuses alias calls once closed, so its outbox never needs to.)
 */
export function createMemoryStores(): ClientStores {
  return { client: createMemoryStore(), outbox: createMemoryOutbox(() => false) };
}
