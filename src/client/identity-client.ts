import { IdentityError } from '../errors';
import { lazy } from '../lazy';
import type { ClientStores } from '../store/stores';
import type { AliasRequest, IdentityClient, IdentityRequest, ResetOptions, User } from '../types';
import { failWith, isPlainObject, type Fail } from '../validation/plain';
import { createAliasRequest, isUserLike } from './alias';
import { createCommitter, type Committer } from './committer';
import type { IdentityCalls } from './identity-calls';
import { lazyIdentityCalls } from './lazy-identity-calls';
import { lockManager } from './lock-manager';
import { lazyAliasOutbox } from './lazy-alias-outbox';
import { createListeners, type Listener, type Listeners } from './listeners';
import type { ClientOptions } from './options';
import type { UpdateUser } from './user';
import { createUserCache, type UserCache } from './user-cache';
import { sameRecord } from './user-change';
import type { UserRecord } from '../store/client-store';
import { randomUuid } from '../uuid';
import type { AliasOutbox } from './alias-outbox';
import type { CookieAndBootstrap } from './cookie-and-bootstrap';

const invalid: Fail = failWith('validation');
const EMPTY_REQUEST: IdentityRequest = { userIdentities: {} };

/**
 * Start-up, over stores that are already open: reads (or creates) the device,
 * restores the current user or sends `identifyOnInit`, and resolves with the
 * client. The parts it wires: the user cache (user-cache.ts), the committer
 * (committer.ts: commit mutex, store, other tabs), the identity calls
 * (identity-calls.ts) and the alias outbox (alias-outbox.ts, loaded on first
 * need). With `cookie` or `bootstrap`, `shared` (cookie-and-bootstrap.ts)
 * chooses the state to start from and then follows the committer.
 *
 * (Longer than most: it is the one place where the parts are wired together,
 * read top to bottom.)
 */
export async function startIdentityClient(
  options: ClientOptions,
  stores: ClientStores,
  shared?: CookieAndBootstrap,
): Promise<IdentityClient> {
  const { client: store } = stores;
  const { logger, dbName } = options;

  let stored = await (shared ? shared.start(store) : store.load());
  if (stored.deviceId === null) {
    // The store keeps the first device id written: read back the winner.
    await store.commit({ deviceId: randomUuid() });
    stored = await store.load();
  }

  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new IdentityError('closed', 'this identity client is closed');
  };
  const hook = { running: false };
  const events = createListeners(logger);
  // Snapshots write through the committer, which holds the cache: bound when first called.
  const updateUser: UpdateUser = (mpid, change) =>
    writeUser({ cache, committer, events, hook, ensureOpen }, mpid, change);
  const cache = createUserCache(stored.users, stored.currentMpid, updateUser);
  const committer = createCommitter({
    store,
    cache,
    stored,
    dbName,
    logger,
    notify: events.notify,
    // Under a cross-tab lock, another tab's last message may still be on its way.
    readBeforeCalls: () => lockManager() !== undefined,
  });
  // Before any part commits: the cookie's code decorates the committer's
  // commit, switchStore, catchUp and close (cookie-mirror.ts), so every part
  // calls them on the object when it needs them, never a copy kept aside.
  shared?.attach(committer, cache, events);
  const calls = lazyIdentityCalls({ options, cache, committer, events, ensureOpen, hook });
  // Alias requests wait in the store until the backend takes them.
  const outbox = lazyAliasOutbox({
    store: stores.outbox,
    backend: options.backend,
    logger,
    now: options.now,
    dbName,
    callContext: calls.callContext,
  });

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await outbox.close();
    // Queued calls find the client closed when their turn comes and reject with 'closed'.
    await committer.close();
  };
  const client = publicClient({
    options,
    cache,
    committer,
    calls,
    outbox,
    events,
    ensureOpen,
    close,
  });
  // Rarely used: their code loads on first call (lifecycle.ts), while the
  // call already holds its place in the identity calls' order.
  const lifecycle = { options, stores, committer, ensureOpen };
  const inTurn = (run: (code: typeof import('./lifecycle')) => Promise<void>) => {
    const code = loadLifecycle();
    code.catch(() => undefined); // the call's failure, in its turn
    return calls.inTurn(async () => run(await code));
  };
  client.reset = async (input?: unknown) => {
    ensureOpen();
    // Checked now: bad input never waits in the queue.
    if (input !== undefined && !isResetOptions(input)) {
      invalid('reset options must be { deviceId?: boolean }');
    }
    const renew = (input as ResetOptions | undefined)?.deviceId === true;
    return inTurn((code) => code.reset(lifecycle, renew));
  };
  client.persist = async () => {
    ensureOpen();
    if (committer.storage === 'memory') return inTurn((code) => code.persist(lifecycle));
  };

  // With a user stored, only a request that names identities may need sending
  // (the rule: identity-calls.ts), and only then do the calls' code and lock run.
  const { identifyOnInit } = options;
  if (
    identifyOnInit !== false &&
    (cache.currentMpid === null || Object.keys(identifyOnInit.userIdentities).length > 0)
  ) {
    try {
      await calls.identifyOnStart(identifyOnInit);
    } catch (error) {
      logger.error('[idsync] identify on start-up failed; currentUser stays null', error);
    }
  }
  // In the background: start-up waits for no alias send.
  outbox.start();
  return client;
}

const loadLifecycle = lazy(() => import('./lifecycle'));

function isResetOptions(input: unknown): input is ResetOptions {
  return (
    isPlainObject(input) &&
    Object.keys(input).every((key) => key === 'deviceId') &&
    [undefined, true, false].includes(input.deviceId as boolean)
  );
}

interface WriteParts {
  cache: UserCache;
  committer: Committer;
  events: Listeners;
  hook: { running: boolean };
  ensureOpen(): void;
}

/**
 * A User write: read-modify-write of one record under the commit mutex, on
 * the latest record. It skips the identity calls' queue, so that an
 * `onUserAlias` hook can write while its identity call waits for it.
 */
async function writeUser(
  parts: WriteParts,
  mpid: string,
  change: Parameters<UpdateUser>[1],
): Promise<UserRecord> {
  const { cache, committer, events, hook, ensureOpen } = parts;
  const [before, record] = await committer.exclusive(async () => {
    ensureOpen();
    const latest = cache.record(mpid);
    if (latest === undefined) invalid(`user ${mpid} is not known to this client`);
    // Checked on the record held here first: bad input and no-ops never reach the store.
    if (sameRecord(latest, change(latest))) return [null, latest] as const;
    const snapshot = cache.user(mpid);
    // The store applies it to the record as stored: another tab's write is not undone.
    const { edited } = await committer.commit({ edit: { mpid, apply: change, held: latest } });
    return [snapshot, edited!] as const;
  });
  // A write to the current user changes getSnapshot(): announce it as a
  // same-MPID 'modify' so that bound UIs re-render. Writes made by the
  // onUserAlias hook are carried by the identity call's own event.
  if (before !== null && mpid === cache.currentMpid && !hook.running) {
    events.notify({ type: 'modify', user: cache.user(mpid), previousUser: before });
  }
  return record;
}

interface PublicParts {
  options: ClientOptions;
  cache: UserCache;
  committer: Committer;
  calls: IdentityCalls;
  outbox: AliasOutbox;
  events: Listeners;
  ensureOpen(): void;
  close(): Promise<void>;
}

/** The IdentityClient object: thin, every method hands over to a part. */
function publicClient(parts: PublicParts): IdentityClient {
  const { options, cache, committer, calls, outbox, events, ensureOpen, close } = parts;
  return {
    get currentUser() {
      return cache.currentUser();
    },
    get deviceId() {
      return committer.deviceId;
    },
    get storage() {
      return committer.storage;
    },
    identify: (request?: IdentityRequest) =>
      calls.send('identify', request === undefined ? EMPTY_REQUEST : request),
    login: (request: IdentityRequest) => calls.send('login', request),
    logout: (request?: IdentityRequest) =>
      calls.send('logout', request === undefined ? EMPTY_REQUEST : request),
    modify: (request: IdentityRequest) => calls.modify(request),
    createAliasRequest(source: User, destination: User): AliasRequest {
      // The latest record of each: a snapshot taken before a change of user
      // still carries the lastSeen it had then.
      const latest = (user: User): User => (isUserLike(user) && cache.user(user.mpid)) || user;
      const from = latest(source);
      const isCurrent = isUserLike(from) && from.mpid === cache.currentMpid;
      return createAliasRequest(from, latest(destination), options.now(), isCurrent);
    },
    async aliasUsers(request: AliasRequest) {
      ensureOpen();
      return outbox.send(request);
    },
    async pendingAliasCount() {
      ensureOpen();
      return outbox.pendingCount();
    },
    async flushAliases() {
      ensureOpen();
      return outbox.flush(true);
    },
    // A closure, not a method: frameworks call it unbound.
    getSnapshot: () => cache.currentUser(),
    getUser: (mpid: string) => (typeof mpid === 'string' ? cache.user(mpid) : null),
    getUsers: () => cache.users(),
    subscribe(listener: Listener) {
      if (typeof listener !== 'function') invalid('listener must be a function');
      return events.subscribe(listener);
    },
    close,
    // Replaced by start-up, which owns what they reach.
    reset: async () => undefined,
    persist: async () => undefined,
  };
}
