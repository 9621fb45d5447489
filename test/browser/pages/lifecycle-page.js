// The page side of test/browser/lifecycle.test.mjs: a client over the in-page
// resolver (its profiles in IndexedDB, so that the tabs of one profile share
// them), and helpers that hand plain data back to the test.
(function () {
  'use strict';
  const db = new URL(location.href).searchParams.get('db') || 'lifecycle';

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  window.lifecycle = {
    events: [],
    async start(options = {}) {
      const backend = new window.IDSync.LocalResolver({
        strategy: 'isolation',
        dbName: `${db}-resolver`,
      });
      const client = await window.IDSync.createIdentity({ backend, dbName: db, ...options });
      client.subscribe((event) => window.lifecycle.events.push(event.type));
      window.client = client;
      return window.lifecycle.summary();
    },
    summary() {
      const { client } = window;
      return {
        mpid: client.currentUser ? client.currentUser.mpid : null,
        attributes: client.currentUser ? { ...client.currentUser.attributes } : null,
        deviceId: client.deviceId,
        users: client.getUsers().map((u) => u.mpid),
        storage: client.storage,
      };
    },
    /** What the database holds, read with raw IndexedDB. */
    async stored() {
      const conn = await request(indexedDB.open(db));
      const tx = conn.transaction(['meta', 'users']);
      const [mpids, currentMpid, deviceId, version, indexes] = await Promise.all([
        request(tx.objectStore('users').getAllKeys()),
        request(tx.objectStore('meta').get('currentMpid')),
        request(tx.objectStore('meta').get('deviceId')),
        conn.version,
        [...tx.objectStore('users').indexNames],
      ]);
      conn.close();
      return { mpids, currentMpid, deviceId, version, indexes };
    },
    /** A database as the version 2 client wrote it: meta, users (no index), outbox. */
    async writeVersion2(users, currentMpid) {
      const open = indexedDB.open(db, 2);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('meta');
        open.result.createObjectStore('users', { keyPath: 'mpid' });
        open.result.createObjectStore('outbox', { keyPath: 'id' });
      };
      const conn = await request(open);
      const tx = conn.transaction(['meta', 'users'], 'readwrite');
      tx.objectStore('meta').put('device-v2', 'deviceId');
      tx.objectStore('meta').put(currentMpid, 'currentMpid');
      tx.objectStore('meta').put(users.length, 'revision');
      for (const user of users) tx.objectStore('users').put(user);
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      conn.close();
    },
  };
})();
