import type { Committed, HeldState } from './client-store';
import { committed, type Database } from './idb-schema';
import { evictPast } from './idb-store';

/**
 * `persist()`'s one transaction: a state the client held in memory moves
 * into the database, which another tab may already be using. Nothing is
 * overwritten blindly: the newer state by revision (the stored one on a tie,
 * since tabs already run on it) keeps its device, current user and context,
 * as start-up chooses between stored states; users only the held state knows
 * are added as past users, and every held alias request is added. The
 * revision then passes both, so every tab sees a change it has not heard of.
 */
export async function absorbInto(
  db: Database,
  held: HeldState,
  maxUsers: number,
): Promise<Committed> {
  const tx = db.transaction(['meta', 'users', 'outbox'], 'readwrite');
  const done = committed(tx);
  const meta = tx.objectStore('meta');
  const users = tx.objectStore('users');
  const result: Committed = { revision: 0, deleted: [] };
  for (const entry of held.outbox) tx.objectStore('outbox').put(entry);

  const stored = { revision: meta.get('revision'), deviceId: meta.get('deviceId') };
  const storedMpid = meta.get('currentMpid');
  const keys = users.getAllKeys();
  keys.onsuccess = () => {
    const storedRevision = (stored.revision.result as number | undefined) ?? 0;
    const storedWins = stored.deviceId.result != null && storedRevision >= held.revision;
    result.revision = Math.max(storedRevision, held.revision) + 1;
    meta.put(result.revision, 'revision');
    if (!storedWins) {
      meta.put(held.deviceId, 'deviceId');
      meta.put(held.currentMpid, 'currentMpid');
      meta.put(held.context, 'context');
      meta.put(held.identityRevision, 'identityRevision');
    }
    const known = new Set(keys.result);
    for (const record of held.users) if (!storedWins || !known.has(record.mpid)) users.put(record);
    // Queued after the puts: the walk sees every user, held and stored.
    const current = storedWins
      ? (storedMpid.result as string | null | undefined)
      : held.currentMpid;
    if (typeof current === 'string') evictPast(users, current, maxUsers, result.deleted);
  };
  await done;
  return result;
}
