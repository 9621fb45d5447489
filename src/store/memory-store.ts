import { IdentityError } from '../errors';
import {
  cloneRecord,
  type ClientStore,
  type StoreChange,
  type StoredState,
  type UserRecord,
} from './client-store';
import { createMemoryOutbox } from './outbox';

/** A ClientStore that lives as long as the page. Copies in and out: callers never share its objects. */
export function createMemoryStore(): ClientStore {
  let deviceId: string | null = null;
  let currentMpid: string | null = null;
  const users = new Map<string, UserRecord>();
  let closed = false;

  return {
    kind: 'memory',
    async load(): Promise<StoredState> {
      return { deviceId, currentMpid, users: [...users.values()].map(cloneRecord) };
    },
    async commit(change: StoreChange): Promise<void> {
      if (closed) throw new IdentityError('storage', 'the memory store is closed');
      // Copy everything first, so that a failure cannot leave half a change behind.
      const copies = (change.users ?? []).map(cloneRecord);
      if (change.deviceId !== undefined) deviceId = change.deviceId;
      if (change.currentMpid !== undefined) currentMpid = change.currentMpid;
      for (const record of copies) users.set(record.mpid, record);
    },
    async close(): Promise<void> {
      closed = true;
    },
    ...createMemoryOutbox(() => closed),
  };
}
