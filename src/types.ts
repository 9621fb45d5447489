/**
 * The public types of idsync-web. They are the documentation of the API
 * (the rules behind them: docs/): every name here is exported from the package.
 */
import type { IdentityType } from './identity-types';
import type { CookieOptions } from './cookie/options';

export type { IdentityType, CookieOptions };

/** A partial map of identity type → value, as carried by users and profiles. */
export type Identities = Partial<Record<IdentityType, string>>;

/** The service's environment a request is meant for; sent with every call. */
export type Environment = 'development' | 'production';

/* ------------------------------------------------------------------ users */

/** What a user attribute may hold: a scalar, null, or a list of strings. */
export type AttributeValue = string | number | boolean | null | string[];

/** One consent decision, as the user gave it. */
export interface ConsentDecision {
  /** whether the user agreed */
  consented: boolean;
  /** ms since epoch: when the user decided */
  timestamp: number;
  /** the consent document the user saw (its name or version) */
  document?: string;
  /** where the decision was taken (a page, a screen) */
  location?: string;
  /** the device the decision was taken on */
  hardwareId?: string;
}

/** A user's consent: GDPR decisions by purpose, and the CCPA data-sale decision. */
export interface ConsentState {
  /** purpose (trimmed, lower-case) → decision */
  gdpr?: Record<string, ConsentDecision>;
  /** CCPA, which has one purpose */
  ccpa?: {
    /** the user's decision on the sale of their data (`consented: false` opts out) */
    data_sale_opt_out: ConsentDecision;
  };
}

/**
 * A snapshot of one user as this device knows it. Read it again from
 * `currentUser` or `getUser` after a change: snapshots never mutate.
 */
export interface User {
  /** the user's id at the identity service */
  readonly mpid: string;
  /** the identities known for this user on this device (type → value) */
  readonly identities: Readonly<Identities>;
  /** the user's attributes, written with the methods below */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** the user's consent, written with `setConsent` */
  readonly consent: ConsentState;
  /** whether the user holds a login identity (the service said so) */
  readonly isLoggedIn: boolean;
  /** ms since epoch: when this user first became current on this device */
  readonly firstSeen: number;
  /** the last moment it was current here (set when another user replaces it) */
  readonly lastSeen: number;
  /** Sets one attribute; validated, durable before it resolves, announced to listeners. */
  setAttribute(key: string, value: AttributeValue): Promise<void>;
  /** Sets several attributes in one write: all of them or, if one is invalid, none. */
  setAttributes(values: Record<string, AttributeValue>): Promise<void>;
  /** Removes one attribute (a missing key is not an error). */
  removeAttribute(key: string): Promise<void>;
  /** Removes every attribute of this user. */
  removeAllAttributes(): Promise<void>;
  /**
   * Adds `by` (default 1, finite) to a number attribute, counting from 0 when
   * the key is missing; resolves with the new value. Done on the record as
   * stored, so increments made at once in several tabs all count. A value
   * that is not a number is a `validation` error.
   */
  incrementAttribute(key: string, by?: number): Promise<number>;
  /** Replaces the user's whole consent state with `state` (not a merge). */
  setConsent(state: ConsentState): Promise<void>;
  /** Sets one GDPR purpose (trimmed, lower-cased), leaving the others; `null` removes it. */
  setGdprConsent(purpose: string, decision: ConsentDecision | null): Promise<void>;
  /** Sets the CCPA data-sale opt-out decision; `null` removes it. */
  setCcpaConsent(decision: ConsentDecision | null): Promise<void>;
}

/* --------------------------------------------------------- identity calls */

/** `null` removes an identity (modify only). */
export interface IdentityRequest {
  /** identity type → value; in modify, `null` removes that identity */
  userIdentities: Partial<Record<IdentityType, string | null>>;
}

/** What an identity call resolves with: the current user before and after it. */
export interface IdentityResult {
  /** backend's status, 200 on success */
  httpCode: number;
  /** the current MPID after the call */
  mpid: string;
  /** the current MPID before the call, null if there was none */
  previousMpid: string | null;
  /** the current user after the call */
  user: User;
  /** the current user before the call */
  previousUser: User | null;
  /** mpid differs from before */
  userChanged: boolean;
  /** whether the current user is logged in after the call */
  isLoggedIn: boolean;
}

/**
 * What made the current user change: one of the client's calls, another tab
 * ('sync'), or `reset()` here or in another tab ('reset': `user` is null).
 */
export type UserChangeType = 'identify' | 'login' | 'logout' | 'modify' | 'sync' | 'reset';

/** What `subscribe` listeners receive after every change of the current user or of its record. */
export interface UserChangeEvent {
  /** the call that made the change, or `sync` for a change made in another tab */
  type: UserChangeType;
  /** the current user after the change */
  user: User | null;
  /** the current user before the change */
  previousUser: User | null;
}

/** A request to copy the source user's data to the destination user, for a span of time. */
export interface AliasRequest {
  /** the user whose data is copied */
  sourceMpid: string;
  /** the user who receives it */
  destinationMpid: string;
  /** ms since epoch: the start of the span of data to copy */
  startTime: number;
  /** ms since epoch: the end of the span */
  endTime: number;
  /** 'mpid' (default): the source's data from every device; 'device': this device's only */
  scope?: 'device' | 'mpid';
}

/** What `aliasUsers` resolves with once the service has accepted the request. */
export interface AliasResult {
  /** accepted: the service applies the alias later */
  httpCode: 202;
}

/* --------------------------------------------------------------- backends */

/** identify / login / logout, in the fields of the IDSync v1 wire format. */
export interface BackendRequest {
  /** the identities of the call's request, with this device's id as `device_application_stamp` */
  knownIdentities: Identities;
  /** the current MPID before the call, null on a first visit */
  previousMpid: string | null;
  /** the environment the client was created with */
  environment: Environment;
  /** ms since epoch, from the client's clock */
  requestTimestampMs: number;
}

/** One identity a modify call changes. */
export interface IdentityChange {
  /** the type of the identity that changes */
  identityType: IdentityType;
  /** the user's current value, or null */
  oldValue: string | null;
  /** null removes */
  newValue: string | null;
}

/**
 * A modify call, in the fields of the IDSync v1 wire format: the current user's identity changes.
 */
export interface ModifyRequest {
  /** one entry per identity type that changes */
  identityChanges: IdentityChange[];
  /** the environment the client was created with */
  environment: Environment;
  /** ms since epoch, from the client's clock */
  requestTimestampMs: number;
}

/** What a backend answers to identify, login, logout and modify. */
export interface BackendResponse {
  /** the service's status, 200 on success */
  httpCode: number;
  /** the MPID of the profile the request resolved to */
  mpid: string;
  /** whether that profile holds a login identity */
  isLoggedIn: boolean;
  /** identities the backend holds for the returned profile (may be partial) */
  matchedIdentities: Identities;
  /**
   * the service's opaque context, when it sent one: the client stores it with
   * the device and passes it back in `CallContext.context` on every later call
   */
  context?: string | null;
  /** the service's `is_ephemeral` flag, passed on as it came (the reference resolver: false) */
  isEphemeral?: boolean;
}

/**
 * What the client hands every backend call: the backend keeps no state
 * between calls, everything a call needs comes with it.
 */
export interface CallContext {
  /** the client's `environment` option, sent with the call */
  environment: Environment;
  /** this device's id (`device_application_stamp`) */
  deviceId: string;
  /**
   * the service's latest opaque context (from any earlier call, in any tab,
   * before any reload), or null when it sent none yet
   */
  context: string | null;
}

/**
 * Where identity requests go. A backend signals failure by rejecting with an
 * `IdentityError` (see errors.ts for the codes). It keeps no state between
 * calls: each one gets the `CallContext` as its last argument (a backend
 * written without it keeps working; the extra argument is ignored), and hands
 * back a new service context in `BackendResponse.context`, which the client
 * persists with the device.
 */
export interface IdentityBackend {
  // The client always passes `ctx`. It is optional in the type only so that
  // code calling a backend directly (a server in front of LocalResolver, a
  // test) compiles without one; a backend may declare it required.
  /** Resolves the identities of a visit to a profile, without logging anyone in or out. */
  identify(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  /** Resolves the identities of a login to a known profile. */
  login(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  /** Resolves the identities left after a logout (device ids, say) to a profile. */
  logout(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  /** Changes the identities of the profile `mpid`; the MPID stays. */
  modify(mpid: string, req: ModifyRequest, ctx?: CallContext): Promise<BackendResponse>;
  /** Accepts an alias request (202), to be applied by the service later. */
  alias(
    req: AliasRequest,
    ctx?: CallContext,
  ): Promise<{
    /** 202: accepted, to be applied later */
    httpCode: number;
  }>;
}

/* --------------------------------------------------------------- resolver */

/** A strategy's name: one per file in backends/local/strategies, listed in its registry.ts. */
export type Strategy = import('./backends/local/strategies/registry').StrategyName;

/** One user record of the (reference) identity service. */
export interface Profile {
  /** the profile's id */
  mpid: string;
  /** one value per identity type (further values under best match: `additionalIdentities`) */
  identities: Identities;
  /** whether the profile holds a login identity */
  isKnown: boolean;
  /** ms since epoch: when the profile was created */
  createdAt: number;
  /** ms since epoch: when a request last resolved to it */
  lastSeen: number;
  /** timestamps of data points recorded on this profile */
  activity: number[];
  /** MPIDs whose data an applied alias copied here */
  aliasedFrom: string[];
  /**
   * Further values of a type beyond the one in `identities`. Only best match
   * lets a profile hold several values of one type; all of them match.
   */
  additionalIdentities?: Partial<Record<IdentityType, string[]>>;
  /** set when the profile lost its last login ID to another profile */
  orphanedAt?: number;
}

/* ----------------------------------------------------------------- client */

/** Where the client reports what it does; `console` fits. */
export interface Logger {
  /** details of each step, for debugging */
  debug(...args: unknown[]): void;
  /** what happened (a user change, a retry) */
  info(...args: unknown[]): void;
  /** a fault that was handled (a storage fallback, a bad record ignored) */
  warn(...args: unknown[]): void;
  /** a fault that was not */
  error(...args: unknown[]): void;
}

/** What of the previous user's data the new user receives on every change of user. */
export interface CopyOnUserChange {
  /** copy the previous user's attributes; on a key both have, the previous user's value wins */
  attributes?: boolean;
  /** copy the previous user's consent; per GDPR purpose and for CCPA, the previous user's decision wins */
  consent?: boolean;
}

/** The options of `createIdentity`: only `backend` is required. */
export interface IdentityOptions {
  /** where identity requests go */
  backend: IdentityBackend;
  /** IndexedDB database of this client; two names = two independent "devices" */
  dbName?: string;
  /** 'memory' keeps nothing across reloads */
  storage?: 'indexeddb' | 'memory';
  /** sent with every request */
  environment?: Environment;
  /**
   * sent at start-up when no current user is stored, or when it names login
   * identities (any but device identifiers) that the stored current user does
   * not have; false sends none
   */
  identifyOnInit?: IdentityRequest | false;
  /** copy the previous user's attributes / consent onto the new user on every change of user */
  copyOnUserChange?: CopyOnUserChange;
  /** called once per change of current user, after copying and before listeners */
  onUserAlias?: (previous: User, next: User) => void | Promise<void>;
  /** default: console, `warn` and above */
  logger?: Logger;
  /** clock, for tests */
  now?: () => number;
  /**
   * past users kept besides the current one (integer ≥ 1, default 20): after
   * each change of current user the least recently seen beyond it are
   * deleted, never the current one
   */
  maxUsers?: number;
  /**
   * Mirror the device id, the current MPID, the logged-in flag and a revision
   * (never identities, attributes or consent) into one first-party cookie, so
   * that sibling subdomains share one device and one current user, and a
   * wiped IndexedDB is restored from it. false (default): no cookie, and the
   * cookie code is never loaded.
   */
  cookie?: false | CookieOptions;
  /**
   * What the server already knows (server-side rendering, or the identity
   * cookie read on the server): applied at start-up, without a backend call,
   * over what is stored and over the cookie.
   */
  bootstrap?: IdentityBootstrap;
}

/** The options of `IdentityClient.reset`. */
export interface ResetOptions {
  /** also forget the device id: a new one is made */
  deviceId?: boolean;
}

/** The `bootstrap` option: every field optional; identities and `isLoggedIn: true` need `mpid`. */
export interface IdentityBootstrap {
  /** the device id (1 to 64 of `A-Z a-z 0-9 _ -`); another than the stored one replaces it as a reset does */
  deviceId?: string;
  /** the current user's MPID, made current without a request */
  mpid?: string;
  /** whether that user is logged in (needs `mpid`) */
  isLoggedIn?: boolean;
  /** identities of that user the server knows (needs `mpid`); kept in its record, never in the cookie */
  userIdentities?: Identities;
}

/**
 * The client `createIdentity` resolves with: the current user of this device, and the calls that change it.
 */
export interface IdentityClient {
  /** the current user, restored at start-up; null until a first call has returned */
  readonly currentUser: User | null;
  /** this device's id, created once and kept (sent as `device_application_stamp`) */
  readonly deviceId: string;
  /** Asks the backend who the user of this visit is, from the identities of `request` (or none). */
  identify(request?: IdentityRequest): Promise<IdentityResult>;
  /** Logs a user in with the identities of `request`. */
  login(request: IdentityRequest): Promise<IdentityResult>;
  /** Logs the current user out; `request` may name the identities that stay (device ids). */
  logout(request?: IdentityRequest): Promise<IdentityResult>;
  /** changes the current user's identities; same MPID */
  modify(request: IdentityRequest): Promise<IdentityResult>;
  /**
   * The source's time as current user on this device: its first-seen to its
   * last-seen (to now while it is the current user); scope 'mpid'.
   */
  createAliasRequest(source: User, destination: User): AliasRequest;
  /**
   * Validates (bad_request / 400, nothing stored or sent), stores the request
   * in the alias outbox, then sends it. Resolves `{ httpCode: 202 }` once
   * accepted. A transient failure (network, timeout, 429, 5xx) rejects with
   * that error but keeps the request queued: it is retried with backoff,
   * across reloads, until accepted or refused for good.
   */
  aliasUsers(request: AliasRequest): Promise<AliasResult>;
  /** Alias requests stored and not yet accepted or refused (for tests and the demo). */
  pendingAliasCount(): Promise<number>;
  /** Tries every pending alias request now, backoff ignored; resolves when done. */
  flushAliases(): Promise<void>;
  /** any user this client has seen */
  getUser(mpid: string): User | null;
  /** most recently seen first */
  getUsers(): User[];
  /**
   * Calls `listener` after every change of the current user or of its record; returns the unsubscribe function.
   */
  subscribe(listener: (event: UserChangeEvent) => void): () => void;
  /**
   * The current user for UI frameworks (React's `useSyncExternalStore`,
   * Svelte stores, Vue refs): the same frozen object until the current user
   * or its record changes, and every such change is announced to `subscribe`
   * listeners. Safe to pass unbound.
   */
  getSnapshot(): User | null;
  /**
   * Forgets the current and every past user (and with `deviceId: true` the
   * device id: a new one is made) in one store transaction, with the alias
   * requests naming them; every tab then tells a `'reset'` event. Identity
   * calls made before it run first; calls after it start from no user. One
   * that cannot be written rejects with `storage` and changes nothing.
   */
  reset(options?: ResetOptions): Promise<void>;
  /**
   * A client made with `storage: 'memory'` (before consent, say) writes what
   * it holds (device id, users, context, queued alias requests) to IndexedDB
   * in one transaction and persists from then on. Where another tab already
   * persists, the newer state by revision wins. A no-op when already persistent.
   */
  persist(): Promise<void>;
  /** where state is kept right now ('memory' after a fallback too) */
  readonly storage: 'indexeddb' | 'memory';
  /**
   * Closes the client: stores, tab channel and timers. Calls made after it reject with `closed`.
   */
  close(): Promise<void>;
}
