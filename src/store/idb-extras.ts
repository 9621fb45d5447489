import { applyEdit, namesAny, type UserRecord } from './client-store';
import type { ApplyExtras } from './idb-store';
import type { OutboxEntry } from './outbox';

/**
 * The parts of a commit that most commits never carry, in its transaction
 * (idb-store.ts loads this on first need): a reset, queued before the rest of
 * the change, the identity cookie's revision, and an edit of the record as stored.
 */
export const applyExtras: ApplyExtras = (tx, change, result, refuse) => {
  if (change.reset) forgetAll(tx, change.deviceId, result.deleted);
  if (change.identityRevision !== undefined) {
    tx.objectStore('meta').put(change.identityRevision, 'identityRevision');
  }
  const { edit } = change;
  if (edit === undefined) return;
  const users = tx.objectStore('users');
  const latest = users.get(edit.mpid);
  latest.onsuccess = () => {
    try {
      result.edited = applyEdit(edit, latest.result as UserRecord | undefined);
      users.put(result.edited);
    } catch (error) {
      refuse(error); // an IdentityError (validation): the transaction is undone
    }
  };
};

/**
 * Every user, the current MPID and the context go, and with them the alias
 * requests naming a forgotten user (a request between users this device no
 * longer knows must not be sent for it); `deviceId`, when given, replaces the
 * stored one. Forgotten mpids go to `deleted`.
 */
function forgetAll(tx: IDBTransaction, deviceId: string | undefined, deleted: string[]): void {
  const users = tx.objectStore('users');
  const meta = tx.objectStore('meta');
  const keys = users.getAllKeys();
  users.clear(); // after the read above, before any put of the same change
  keys.onsuccess = () => {
    const forgotten = new Set(keys.result as string[]);
    deleted.push(...forgotten);
    const entries = tx.objectStore('outbox').openCursor();
    entries.onsuccess = () => {
      const cursor = entries.result;
      if (cursor === null) return;
      if (namesAny((cursor.value as OutboxEntry).request, forgotten)) cursor.delete();
      cursor.continue();
    };
  };
  meta.put(null, 'currentMpid');
  meta.put(null, 'context');
  if (deviceId !== undefined) meta.put(deviceId, 'deviceId');
}
