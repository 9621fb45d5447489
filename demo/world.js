// A "world" is one resolver (or HTTP server) and the two simulated devices
// talking to it, with one simulated clock. The page swaps whole worlds when the
// strategy or backend changes, or when a scenario is played on fresh databases.
import { devicesFor, priorityFor } from './scenarios.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** IndexedDB names of a world; `prefix` keeps worlds apart. */
export function worldNames(prefix, strategy) {
  const names = { resolver: `${prefix}-resolver` };
  for (const device of devicesFor(strategy)) names[device.key] = `${prefix}-${device.key}`;
  return names;
}

/**
 * Wraps a backend so every call and its answer reach the page's log, labelled
 * with the device that made it. The client sees the same IdentityBackend.
 */
function loggedBackend(backend, device, log) {
  const call = (method, describe) =>
    async function (...args) {
      const entry = log.request(device, method, describe(...args));
      try {
        const response = await backend[method](...args);
        entry.succeed(response);
        return response;
      } catch (error) {
        entry.fail(error);
        throw error;
      }
    };
  const plain = (req) => req;
  return {
    identify: call('identify', plain),
    login: call('login', plain),
    logout: call('logout', plain),
    modify: call('modify', (mpid, req) => ({ mpid, ...req })),
    alias: call('alias', plain),
  };
}

/** The SDK's logger, pointed at the page's log instead of the console. */
function pageLogger(device, log) {
  const to =
    (level) =>
    (...args) =>
      log.note(device, level, args);
  return { debug: () => {}, info: to('info'), warn: to('warn'), error: to('error') };
}

/**
 * Opens a world. `http` is `{ baseUrl, apiKey }` when `mode === 'http'`;
 * `storage: 'memory'` starts its devices in memory (consent first);
 * `generateMpid` makes MPIDs predictable for scenario replay; a `temporary`
 * world's databases are deleted once it is left; `cookie` (the option) goes to
 * the first device only.
 */
export async function openWorld(options) {
  const {
    strategy,
    mode,
    http,
    names,
    generateMpid,
    offsetMs = 0,
    temporary = false,
    storage = 'indexeddb',
    log,
    cookie = false,
  } = options;
  const { IDSync } = window;
  const world = { strategy, mode, names, offsetMs, temporary, resolver: null, devices: [] };
  const now = () => Date.now() + world.offsetMs;
  world.now = now;
  if (mode === 'local') {
    const priority = priorityFor(strategy);
    world.resolver = new IDSync.LocalResolver({
      strategy,
      dbName: names.resolver,
      now,
      ...(priority ? { priority } : {}),
      ...(generateMpid ? { generateMpid } : {}),
    });
  }
  try {
    for (const device of devicesFor(strategy)) {
      // One HttpBackend per device: it keeps the service's `context` per client.
      const backend =
        mode === 'local'
          ? world.resolver
          : new IDSync.HttpBackend({ baseUrl: http.baseUrl, apiKey: http.apiKey });
      const client = await IDSync.createIdentity({
        backend: loggedBackend(backend, device.label, log),
        dbName: names[device.key],
        // The tables start with an explicit identify; none may happen behind their back.
        identifyOnInit: false,
        // 'memory' when the page plays consent first: nothing is written until Accept.
        storage,
        now,
        logger: pageLogger(device.label, log),
        // The browser has one cookie jar: only the first device mirrors into it.
        cookie: world.devices.length === 0 ? cookie : false,
      });
      world.devices.push({ ...device, client });
    }
  } catch (error) {
    await closeWorld(world);
    throw error;
  }
  return world;
}

export async function closeWorld(world) {
  for (const device of world.devices) await device.client.close().catch(() => {});
  const resolver = world.resolver;
  if (typeof resolver?.close === 'function') {
    await Promise.resolve()
      .then(() => resolver.close())
      .catch(() => {});
  }
}

/** Best effort: a database still open elsewhere is deleted once it closes. */
export function deleteDatabases(names) {
  return Promise.all(
    names.map(
      (name) =>
        new Promise((done) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = request.onerror = request.onblocked = () => done();
        }),
    ),
  );
}
