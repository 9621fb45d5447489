/**
 * The public types of idsync-web. They are the documentation of the API
 * (the rules behind them: docs/): every name here is exported from the package.
 */
import type { IdentityType } from './identity-types';
import type { CookieOptions } from './cookie/options';

export type { IdentityType, CookieOptions };

/** A partial map of identity type → value, as carried by users and profiles. */
export type Identities = Partial<Record<IdentityType, string>>;

export type Environment = 'development' | 'production';

/* ------------------------------------------------------------------ users */

export type AttributeValue = string | number | boolean | null | string[];

export interface ConsentDecision {
  consented: boolean;
  timestamp: number;
  document?: string;
  location?: string;
  hardwareId?: string;
}

export interface ConsentState {
  /** purpose (trimmed, lower-case) → decision */
  gdpr?: Record<string, ConsentDecision>;
  ccpa?: { data_sale_opt_out: ConsentDecision };
}

/**
 * A snapshot of one user as this device knows it. Read it again from
 * `currentUser` or `getUser` after a change: snapshots never mutate.
 */
export interface User {
  readonly mpid: string;
  readonly identities: Readonly<Identities>;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly consent: ConsentState;
  readonly isLoggedIn: boolean;
  /** ms since epoch: when this user first became current on this device */
  readonly firstSeen: number;
  /** the last moment it was current here (set when another user replaces it) */
  readonly lastSeen: number;
  setAttribute(key: string, value: AttributeValue): Promise<void>;
  setAttributes(values: Record<string, AttributeValue>): Promise<void>;
  removeAttribute(key: string): Promise<void>;
  setConsent(state: ConsentState): Promise<void>;
}

/* --------------------------------------------------------- identity calls */

/** `null` removes an identity (modify only). */
export interface IdentityRequest {
  userIdentities: Partial<Record<IdentityType, string | null>>;
}

export interface IdentityResult {
  /** backend's status, 200 on success */
  httpCode: number;
  mpid: string;
  previousMpid: string | null;
  /** the current user after the call */
  user: User;
  /** the current user before the call */
  previousUser: User | null;
  /** mpid differs from before */
  userChanged: boolean;
  isLoggedIn: boolean;
}

export type UserChangeType = 'identify' | 'login' | 'logout' | 'modify' | 'sync';

export interface UserChangeEvent {
  type: UserChangeType;
  user: User | null;
  previousUser: User | null;
}

export interface AliasRequest {
  sourceMpid: string;
  destinationMpid: string;
  startTime: number;
  endTime: number;
  scope?: 'device' | 'mpid';
}

export interface AliasResult {
  httpCode: 202;
}

/* --------------------------------------------------------------- backends */

/** identify / login / logout, in the fields of the IDSync v1 wire format. */
export interface BackendRequest {
  knownIdentities: Identities;
  previousMpid: string | null;
  environment: Environment;
  /** ms since epoch, from the client's clock */
  requestTimestampMs: number;
}

export interface IdentityChange {
  identityType: IdentityType;
  /** the user's current value, or null */
  oldValue: string | null;
  /** null removes */
  newValue: string | null;
}

export interface ModifyRequest {
  identityChanges: IdentityChange[];
  environment: Environment;
  requestTimestampMs: number;
}

export interface BackendResponse {
  httpCode: number;
  mpid: string;
  isLoggedIn: boolean;
  /** identities the backend holds for the returned profile (may be partial) */
  matchedIdentities: Identities;
  /**
   * the service's opaque context, when it sent one: the client stores it with
   * the device and passes it back in `CallContext.context` on every later call
   */
  context?: string | null;
  isEphemeral?: boolean;
}

/**
 * What the client hands every backend call: the backend keeps no state
 * between calls, everything a call needs comes with it.
 */
export interface CallContext {
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
  identify(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  login(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  logout(req: BackendRequest, ctx?: CallContext): Promise<BackendResponse>;
  modify(mpid: string, req: ModifyRequest, ctx?: CallContext): Promise<BackendResponse>;
  alias(req: AliasRequest, ctx?: CallContext): Promise<{ httpCode: number }>;
}

/* --------------------------------------------------------------- resolver */

/** A strategy's name: one per file in backends/local/strategies, listed in its registry.ts. */
export type Strategy = import('./backends/local/strategies/registry').StrategyName;

/** One user record of the (reference) identity service. */
export interface Profile {
  mpid: string;
  identities: Identities;
  isKnown: boolean;
  createdAt: number;
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

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface CopyOnUserChange {
  attributes?: boolean;
  consent?: boolean;
}

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

/** The `bootstrap` option: every field optional; identities and `isLoggedIn: true` need `mpid`. */
export interface IdentityBootstrap {
  deviceId?: string;
  mpid?: string;
  isLoggedIn?: boolean;
  userIdentities?: Identities;
}

export interface IdentityClient {
  readonly currentUser: User | null;
  readonly deviceId: string;
  identify(request?: IdentityRequest): Promise<IdentityResult>;
  login(request: IdentityRequest): Promise<IdentityResult>;
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
  subscribe(listener: (event: UserChangeEvent) => void): () => void;
  /**
   * The current user for UI frameworks (React's `useSyncExternalStore`,
   * Svelte stores, Vue refs): the same frozen object until the current user
   * or its record changes, and every such change is announced to `subscribe`
   * listeners. Safe to pass unbound.
   */
  getSnapshot(): User | null;
  close(): Promise<void>;
}
