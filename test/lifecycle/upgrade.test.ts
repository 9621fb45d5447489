import { createIdentity } from '../../src';
import type { UserRecord } from '../../src/store/client-store';
import { DB_VERSION } from '../../src/store/idb-schema';
import { createFakeBackend, fakeClock, freshDbName, spyLogger } from '../client/fake-backend';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

const record = (mpid: string, lastSeen: number): UserRecord => ({
  mpid,
  identities: { customerid: `c${mpid}`, device_application_stamp: 'dev-1' },
  attributes: { n: Number(mpid) },
  consent: { gdpr: { ads: { consented: true, timestamp: 1 } } },
  isLoggedIn: true,
  firstSeen: 1,
  lastSeen,
});

/**
 * A database as the version 2 client writes it, with raw IndexedDB: `meta`
 * (out-of-line keys), `users` (keyPath mpid, no index), `outbox` (keyPath id).
 */
async function writeVersion2(dbName: string, users: UserRecord[], currentMpid: string) {
  const open = indexedDB.open(dbName, 2);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore('meta');
    db.createObjectStore('users', { keyPath: 'mpid' });
    db.createObjectStore('outbox', { keyPath: 'id' });
  };
  const db = await request(open);
  const tx = db.transaction(['meta', 'users', 'outbox'], 'readwrite');
  const meta = tx.objectStore('meta');
  meta.put('dev-1', 'deviceId');
  meta.put(currentMpid, 'currentMpid');
  meta.put('ctx', 'context');
  meta.put(users.length + 1, 'revision');
  for (const user of users) tx.objectStore('users').put(user);
  tx.objectStore('outbox').put({
    id: 'e1',
    request: { sourceMpid: '1', destinationMpid: '2', startTime: 1, endTime: 2, scope: 'mpid' },
    createdAt: 1,
    attempts: 1,
    nextAttemptAt: Number.MAX_SAFE_INTEGER,
  });
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

describe('upgrade from the version 2 schema', () => {
  test('in place: the current user, past users, context and outbox are kept; the index is added', async () => {
    const dbName = freshDbName();
    // 30 users, more than the limit; the current one is the least recently seen
    const users = Array.from({ length: 30 }, (_, i) => record(String(100 + i), 1000 + i));
    await writeVersion2(dbName, users, '100');
    const backend = createFakeBackend();
    const clock = fakeClock(5000);
    const client = await createIdentity({ backend, dbName, now: clock.now, logger: spyLogger() });
    expect(backend.calls.filter((c) => c.method !== 'alias')).toEqual([]);
    expect(client.deviceId).toBe('dev-1');
    expect(client.currentUser).toMatchObject({ ...record('100', 1000), attributes: { n: 100 } });
    // the current user and the 20 most recently seen
    const mpids = client.getUsers().map((u) => u.mpid);
    expect(mpids).toEqual([
      '100',
      ...users
        .slice(-20)
        .map((u) => u.mpid)
        .reverse(),
    ]);
    expect(await client.pendingAliasCount()).toBe(1);

    const db = await request(indexedDB.open(dbName));
    expect(db.version).toBe(DB_VERSION);
    const tx = db.transaction('users');
    expect([...tx.objectStore('users').indexNames]).toEqual(['lastSeen']);
    // Nothing is lost by the upgrade itself: every one of the 30 is still there.
    expect(await request(tx.objectStore('users').count())).toBe(30);
    db.close();
    // The service context came along: the next call carries it.
    await client.identify({ userIdentities: { customerid: 'c100' } });
    expect(backend.calls.at(-1)!.ctx!.context).toBe('ctx');
    await client.close();
  });

  test('the first change of current user then deletes those beyond the limit, oldest first', async () => {
    const dbName = freshDbName();
    const users = Array.from({ length: 30 }, (_, i) => record(String(100 + i), 1000 + i));
    await writeVersion2(dbName, users, '129');
    const clock = fakeClock(5000);
    const client = await createIdentity({
      backend: createFakeBackend(),
      dbName,
      now: clock.now,
      logger: spyLogger(),
    });
    const login = await client.login({ userIdentities: { customerid: 'new' } });
    const expected = [
      login.mpid,
      '129',
      ...users
        .slice(-20, -1)
        .map((u) => u.mpid)
        .reverse(),
    ];
    expect(client.getUsers().map((u) => u.mpid)).toEqual(expected);
    await client.close();
    const db = await request(indexedDB.open(dbName));
    const keys = await request(db.transaction('users').objectStore('users').getAllKeys());
    expect((keys as string[]).sort()).toEqual([...expected].sort());
    db.close();
  });
});
