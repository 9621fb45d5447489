import { IdentityError } from '../errors';
import type {
  AliasRequest,
  AliasResult,
  BackendResponse,
  Identities,
  IdentityChange,
  IdentityClient,
  IdentityRequest,
  IdentityResult,
  IdentityType,
  User,
  UserChangeEvent,
} from '../types';
import type { ClientStore, StoreChange, UserRecord } from '../store/client-store';
import { validateIdentities } from '../validation/identities';
import { isMpid } from '../validation/mpid';
import { failWith, isPlainObject, type Fail } from '../validation/plain';
import { createAliasRequest, isUserLike } from './alias';
import { lazyAliasOutbox } from './lazy-alias-outbox';
import { callBackend } from './backend-call';
import type { ClientOptions } from './options';
import { validateIdentityRequest } from './requests';
import { createDeviceLock } from './device-lock';
import { createSerialQueue } from './serial-queue';
import { connectTabs, type SyncedChange } from './tab-sync';
import { createUser, type UpdateUser } from './user';
import { applyIdentityChanges, mergeAttributes, mergeConsent, sameRecord } from './user-change';
import { randomUuid } from '../uuid';

type CallKind = 'identify' | 'login' | 'logout' | 'modify';
type Listener = (event: UserChangeEvent) => void;

const invalid: Fail = failWith('validation');
const EMPTY_REQUEST: IdentityRequest = { userIdentities: {} };

/**
 * The client's rules over a store that is already open: restores the current
 * user (or sends `identifyOnInit`) and resolves with the client.
 *
 * Two locks keep it exact. Identity calls run one at a time in call order
 * (`identityQueue`). Every read-modify-write of the state, whether from an
 * identity call or a User write, runs under `commitMutex`, on the latest
 * records, committing to the store before the in-memory state is swapped.
 * User writes skip the identity queue so that an `onUserAlias` hook can write
 * attributes while its identity call waits for it.
 *
 * Across tabs of one database: every commit is posted to the other tabs,
 * which apply it synchronously ('sync' events), and identity calls hold a
 * device-wide Web Lock and re-read the store first, so that no tab sends a
 * stale `previousMpid` and N tabs starting together send one identify.
 */
export async function startIdentityClient(
  options: ClientOptions,
  store: ClientStore,
): Promise<IdentityClient> {
  const { backend, dbName, environment, logger, now } = options;

  let stored = await store.load();
  const candidateDeviceId = randomUuid();
  if (stored.deviceId === null) {
    // The store keeps the first device id written: read back the winner.
    await store.commit({ deviceId: candidateDeviceId });
    stored = await store.load();
  }
  let deviceId = stored.deviceId ?? candidateDeviceId;

  // In-memory state. Records are never mutated, only replaced: a snapshot
  // cached for a record object stays valid exactly as long as that record.
  const records = new Map<string, UserRecord>(stored.users.map((r) => [r.mpid, r]));
  let currentMpid =
    stored.currentMpid !== null && records.has(stored.currentMpid) ? stored.currentMpid : null;
  const snapshots = new Map<string, { record: UserRecord; user: User }>();
  const listeners = new Set<Listener>();
  const identityQueue = createSerialQueue();
  const commitMutex = createSerialQueue();
  let closed = false;
  let hookRunning = false;
  // Alias requests wait in the store until the backend takes them (alias-outbox.ts,
  // loaded on first need).
  const aliasOutbox = lazyAliasOutbox({ store, backend, logger, now, dbName: options.dbName });

  // Other tabs share the state only through IndexedDB: a memory store is this tab's own.
  const shared = store.kind === 'indexeddb';
  const lock = createDeviceLock(shared ? `idsync:${dbName}` : null);
  const tabs = shared
    ? connectTabs(dbName, {
        onChange: (change) => {
          if (!closed) adopt(change.users, change.currentMpid);
        },
        onMaybeStale: () => {
          void commitMutex(async () => {
            if (!closed && store.kind === 'indexeddb') await refresh();
          }).catch((error: unknown) => logger.warn('[idsync] re-reading the store failed', error));
        },
      })
    : null;

  const ensureOpen = (): void => {
    if (closed) throw new IdentityError('closed', 'this identity client is closed');
  };

  /** Commit first; only a successful commit changes what the client holds. */
  const commitAndSwap = async (change: StoreChange): Promise<void> => {
    await store.commit(change);
    for (const record of change.users ?? []) records.set(record.mpid, record);
    if (change.currentMpid !== undefined) currentMpid = change.currentMpid;
    const message: SyncedChange = { users: change.users ?? [] };
    if (change.currentMpid !== undefined) message.currentMpid = change.currentMpid;
    if (message.users.length > 0 || message.currentMpid !== undefined) tabs?.post(message);
  };

  const updateUser: UpdateUser = async (mpid, change) => {
    const before = await commitMutex(async () => {
      ensureOpen();
      const latest = records.get(mpid);
      if (latest === undefined) invalid(`user ${mpid} is not known to this client`);
      const next = change(latest);
      if (sameRecord(latest, next)) return null;
      const snapshot = userOf(mpid);
      await commitAndSwap({ users: [next] });
      return snapshot;
    });
    // A write to the current user changes getSnapshot(): announce it as a
    // same-MPID 'modify' so that bound UIs re-render. Writes made by the
    // onUserAlias hook are carried by the identity call's own event.
    if (before !== null && mpid === currentMpid && !hookRunning) {
      notify({ type: 'modify', user: userOf(mpid), previousUser: before });
    }
  };

  const userOf = (mpid: string): User | null => {
    const record = records.get(mpid);
    if (record === undefined) return null;
    const cached = snapshots.get(mpid);
    if (cached !== undefined && cached.record === record) return cached.user;
    const user = createUser(record, updateUser);
    snapshots.set(mpid, { record, user });
    return user;
  };

  const currentUserOf = (): User | null => (currentMpid === null ? null : userOf(currentMpid));

  const notify = (event: UserChangeEvent): void => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        logger.error('[idsync] a user change listener threw', error);
      }
    }
  };

  /**
   * Takes records another tab committed (a message or a re-read of the store)
   * and tells listeners when the current user, or its record, changed. An
   * unchanged record keeps its object, so its User snapshot stays the same.
   */
  const adopt = (users: readonly UserRecord[], nextMpid: string | null | undefined): void => {
    const before = currentUserOf();
    for (const record of users) {
      const held = records.get(record.mpid);
      if (held === undefined || !sameRecord(held, record)) records.set(record.mpid, record);
    }
    if (nextMpid !== undefined && (nextMpid === null || records.has(nextMpid))) {
      currentMpid = nextMpid;
    }
    const after = currentUserOf();
    if (after !== before) notify({ type: 'sync', user: after, previousUser: before });
  };

  /** Re-reads the store, which another tab may have written, and takes what it holds. */
  const refresh = async (): Promise<void> => {
    let latest = await store.load();
    if (latest.deviceId === null) {
      // The database was deleted under the page (or the store fell back to
      // memory): write back what this tab holds rather than lose the user.
      logger.info(`[idsync] "${dbName}" lost its contents; restoring them from this tab`);
      await store.commit({ deviceId, currentMpid, users: [...records.values()] });
      latest = await store.load();
    }
    deviceId = latest.deviceId ?? deviceId;
    adopt(latest.users, latest.currentMpid);
  };

  /**
   * An identity call's critical section: its turn in this tab, then the
   * device-wide lock, then a re-read of the store where another tab may have
   * written without this one hearing of it yet (always with Web Locks; without
   * BroadcastChannel). With neither API the in-tab queue is all there is.
   */
  const exclusive = <T>(task: () => Promise<T>, alwaysReread = false): Promise<T> =>
    identityQueue(() =>
      lock.run(async () => {
        ensureOpen();
        const reread = store.kind === 'indexeddb' && (alwaysReread || lock.crossTab || !tabs?.live);
        if (reread) await commitMutex(refresh);
        return task();
      }),
    );

  /**
   * Applies a successful backend answer: one store commit holding the current
   * MPID and every record it touches, then the hook, then the listeners.
   */
  const settle = async (
    kind: CallKind,
    response: CheckedResponse,
    identitiesOf: (merged: Identities) => Identities,
  ): Promise<IdentityResult> => {
    const outcome = await commitMutex(async () => {
      ensureOpen();
      const previousMpid = currentMpid;
      const before = previousMpid === null ? null : userOf(previousMpid);
      const mpid = response.mpid ?? previousMpid;
      if (mpid === null) throw new IdentityError('server', 'backend answered without an mpid');
      const userChanged = mpid !== previousMpid;
      const t = now();
      const base: UserRecord = records.get(mpid) ?? {
        mpid,
        identities: {},
        attributes: {},
        consent: {},
        isLoggedIn: false,
        firstSeen: t,
        lastSeen: t,
      };
      let next: UserRecord = {
        ...base,
        identities: identitiesOf({ ...base.identities, ...response.matchedIdentities }),
        isLoggedIn: response.isLoggedIn ?? base.isLoggedIn,
      };
      const users: UserRecord[] = [];
      if (userChanged) {
        next.lastSeen = t;
        const previous = previousMpid === null ? undefined : records.get(previousMpid);
        if (previous !== undefined) {
          users.push({ ...previous, lastSeen: t });
          next = copyFrom(previous, next);
        }
      }
      const recordChanged = !sameRecord(base, next);
      if (userChanged || recordChanged) {
        users.push(next);
        await commitAndSwap({ currentMpid: mpid, users });
      }
      return { mpid, previousMpid, before, userChanged, recordChanged };
    });

    const { mpid, previousMpid, before, userChanged, recordChanged } = outcome;
    // After the commit the previous user's snapshot carries its new lastSeen.
    const previousUser = userChanged && previousMpid !== null ? userOf(previousMpid) : before;
    if (userChanged && previousUser !== null && options.onUserAlias !== undefined) {
      hookRunning = true;
      try {
        await options.onUserAlias(previousUser, userOf(mpid) as User);
      } catch (error) {
        logger.error('[idsync] onUserAlias threw', error);
      } finally {
        hookRunning = false;
      }
    }
    // Read again: the hook may have written to the new user.
    const user = userOf(mpid) as User;
    if (userChanged || recordChanged) notify({ type: kind, user, previousUser });
    return {
      httpCode: response.httpCode,
      mpid,
      previousMpid,
      user,
      previousUser,
      userChanged,
      isLoggedIn: user.isLoggedIn,
    };
  };

  const copyFrom = (previous: UserRecord, next: UserRecord): UserRecord => {
    const { copyOnUserChange } = options;
    return {
      ...next,
      attributes: copyOnUserChange.attributes
        ? mergeAttributes(previous.attributes, next.attributes, logger)
        : next.attributes,
      consent: copyOnUserChange.consent
        ? mergeConsent(previous.consent, next.consent)
        : next.consent,
    };
  };

  const identityCall = async (
    kind: 'identify' | 'login' | 'logout',
    request: unknown,
  ): Promise<IdentityResult> => {
    ensureOpen();
    // Validated now, at call time: bad input never waits in the queue.
    const valid = validateIdentityRequest(request, 'request', false);
    return exclusive(() => send(kind, valid));
  };

  /** Sends a valid request from the current user; runs inside `exclusive`. */
  const send = async (
    kind: 'identify' | 'login' | 'logout',
    valid: IdentityRequest,
  ): Promise<IdentityResult> => {
    const sent = { ...valid.userIdentities } as Identities;
    if (sent.device_application_stamp === undefined) sent.device_application_stamp = deviceId;
    const response = await callBackend(() =>
      backend[kind]({
        knownIdentities: { ...sent },
        previousMpid: currentMpid,
        environment,
        requestTimestampMs: now(),
      }),
    );
    return settle(kind, checkResponse(response, false), (merged) => ({ ...merged, ...sent }));
  };

  const modify = async (request: unknown): Promise<IdentityResult> => {
    ensureOpen();
    const valid = validateIdentityRequest(request, 'request', true);
    const changes = valid.userIdentities;
    const types = Object.keys(changes) as IdentityType[];
    if (types.length === 0)
      invalid('request.userIdentities must name at least one identity to change');
    return exclusive(async () => {
      // Checked when the call runs, not when it is made: an identify queued
      // before it may be what gives the client its current user.
      const current = currentMpid === null ? undefined : records.get(currentMpid);
      if (current === undefined) invalid('modify needs a current user');
      const identityChanges: IdentityChange[] = types.map((identityType) => ({
        identityType,
        oldValue: current.identities[identityType] ?? null,
        newValue: changes[identityType] ?? null,
      }));
      const response = await callBackend(() =>
        backend.modify(current.mpid, { identityChanges, environment, requestTimestampMs: now() }),
      );
      const checked = checkResponse(response, true);
      // modify never changes the MPID, whatever the backend says.
      return settle('modify', { ...checked, mpid: current.mpid }, (merged) =>
        applyIdentityChanges(merged, changes),
      );
    });
  };

  const client: IdentityClient = {
    get currentUser() {
      return currentUserOf();
    },
    get deviceId() {
      return deviceId;
    },
    identify: (request?: IdentityRequest) =>
      identityCall('identify', request === undefined ? EMPTY_REQUEST : request),
    login: (request: IdentityRequest) => identityCall('login', request),
    logout: (request?: IdentityRequest) =>
      identityCall('logout', request === undefined ? EMPTY_REQUEST : request),
    modify: (request: IdentityRequest) => modify(request),
    createAliasRequest(source: User, destination: User): AliasRequest {
      // The latest record of each: a snapshot taken before a change of user
      // still carries the lastSeen it had then.
      const latest = (user: User): User => (isUserLike(user) && userOf(user.mpid)) || user;
      const from = latest(source);
      const isCurrent = isUserLike(from) && from.mpid === currentMpid;
      return createAliasRequest(from, latest(destination), now(), isCurrent);
    },
    async aliasUsers(request: AliasRequest): Promise<AliasResult> {
      ensureOpen();
      return aliasOutbox.send(request);
    },
    async pendingAliasCount(): Promise<number> {
      ensureOpen();
      return aliasOutbox.pendingCount();
    },
    async flushAliases(): Promise<void> {
      ensureOpen();
      return aliasOutbox.flush(true);
    },
    // A closure, not a method: frameworks call it unbound.
    getSnapshot: () => currentUserOf(),
    getUser: (mpid: string) => (typeof mpid === 'string' ? userOf(mpid) : null),
    getUsers(): User[] {
      // Current user first, then by the last moment each was current here.
      const rank = (r: UserRecord): number => (r.mpid === currentMpid ? Infinity : r.lastSeen);
      return [...records.values()]
        .sort((a, b) => rank(b) - rank(a))
        .map((r) => userOf(r.mpid) as User);
    },
    subscribe(listener: Listener): () => void {
      if (typeof listener !== 'function') invalid('listener must be a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await aliasOutbox.close();
      // Let a commit in progress finish, then release the store; queued calls
      // find the client closed when their turn comes and reject with 'closed'.
      await commitMutex(() => {
        tabs?.close(); // after the last commit, whose message is still sent
        return store.close();
      });
    },
  };

  const { identifyOnInit } = options;
  if (currentMpid === null && identifyOnInit !== false) {
    try {
      // Under the lock, after a re-read: when tabs open together on a fresh
      // browser, the first one identifies and the others adopt its user.
      await exclusive(async () => {
        if (currentMpid === null) await send('identify', identifyOnInit);
      }, true);
    } catch (error) {
      logger.error('[idsync] identify on start-up failed; currentUser stays null', error);
    }
  }
  // In the background: start-up waits for no alias send.
  aliasOutbox.start();
  return client;
}

/** A backend answer after checking: what the client relies on, nothing more. */
interface CheckedResponse {
  httpCode: number;
  mpid: string | null;
  isLoggedIn: boolean | null;
  matchedIdentities: Identities;
}

/**
 * The backend is outside the SDK: its answer is checked like any input. A
 * malformed answer is the service's fault ('server') and changes nothing.
 * For modify the MPID and login state may be missing (the wire format's modify
 * answer carries neither).
 */
function checkResponse(response: BackendResponse, forModify: boolean): CheckedResponse {
  const fail: Fail = failWith('server');
  if (!isPlainObject(response)) fail('backend answered with a non-object');
  const { httpCode, mpid, isLoggedIn, matchedIdentities } = response as unknown as Record<
    string,
    unknown
  >;
  if (httpCode !== undefined && typeof httpCode !== 'number')
    fail('backend httpCode must be a number');
  if (!(forModify && mpid === undefined) && !isMpid(mpid))
    fail('backend answered with an invalid mpid');
  if (!(forModify && isLoggedIn === undefined) && typeof isLoggedIn !== 'boolean') {
    fail('backend isLoggedIn must be a boolean');
  }
  return {
    httpCode: httpCode ?? 200,
    mpid: typeof mpid === 'string' ? mpid : null,
    isLoggedIn: typeof isLoggedIn === 'boolean' ? isLoggedIn : null,
    matchedIdentities:
      matchedIdentities === undefined || matchedIdentities === null
        ? {}
        : validateIdentities(matchedIdentities, 'matchedIdentities', fail),
  };
}
