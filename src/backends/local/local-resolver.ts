import { IdentityError } from '../../errors';
import type { CallContext } from '../../types';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  Identities,
  IdentityBackend,
  IdentityType,
  ModifyRequest,
  Profile,
  Strategy,
} from '../../types';
import { validateIdentities } from '../../validation/identities';
import { isMpid } from '../../validation/mpid';
import { IdbProfileStore } from './idb-profile-store';
import { MemoryProfileStore } from './memory-profile-store';
import { randomMpid } from './mpid';
import type { ProfileStore } from './profile-store';
import { normaliseResolverConfig, type ResolverConfig } from './resolver-config';
import {
  aliasAllowed,
  applyAlias,
  badRequest,
  resolveModify,
  resolveRequest,
  toResponse,
  validateAlias,
  validateBackendRequest,
  validateModifyRequest,
  type DecisionContext,
  type ResolveKind,
} from './resolver-core';

const HOUR = 60 * 60 * 1000;

/** The options of `LocalResolver`: all optional. */
export interface LocalResolverOptions {
  /** default 'conversion' */
  strategy?: Strategy;
  /** types that make a profile known; default customerid, email (none under best match) */
  loginIds?: IdentityType[];
  /** types at most one profile may hold; default customerid, email (none under best match) */
  uniqueIds?: IdentityType[];
  /** matching order; unlisted types are appended in the default order */
  priority?: IdentityType[];
  /** IndexedDB database for profiles, default 'idsync-resolver'; false keeps them in memory */
  dbName?: string | false;
  /** clock, default Date.now */
  now?: () => number;
  /** delay before an accepted alias is applied, default 24 h */
  aliasDelayMs?: number;
  /** data-retention window alias start times are clamped to, default 90 days */
  retentionMs?: number;
  /** MPID generator, for deterministic tests; default random 64-bit */
  generateMpid?: () => string;
  /** where profiles live; overrides dbName (the Node server passes its file store) */
  store?: ProfileStore;
}

function invalidOption(message: string): never {
  throw new IdentityError('validation', `LocalResolver: ${message}`);
}

function duration(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    invalidOption(`${name} must be a non-negative number of milliseconds`);
  }
  return value;
}

/**
 * The reference identity service, in the page (or in Node): answers identify,
 * login, logout, modify and alias like IDSync does, over IndexedDB or memory.
 */
export class LocalResolver implements IdentityBackend {
  private readonly config: ResolverConfig;
  private readonly now: () => number;
  private readonly aliasDelayMs: number;
  private readonly retentionMs: number;
  private readonly newMpid: () => string;
  private readonly openStore: () => ProfileStore;
  private opened: ProfileStore | null = null;

  constructor(options: LocalResolverOptions = {}) {
    this.config = normaliseResolverConfig(options);
    this.now = options.now ?? Date.now;
    this.aliasDelayMs = duration(options.aliasDelayMs, 'aliasDelayMs', 24 * HOUR);
    this.retentionMs = duration(options.retentionMs, 'retentionMs', 90 * 24 * HOUR);
    this.newMpid = options.generateMpid ?? randomMpid;
    const { store, dbName = 'idsync-resolver' } = options;
    if (dbName !== false && (typeof dbName !== 'string' || dbName.length === 0)) {
      invalidOption('dbName must be a non-empty string or false');
    }
    // Opened on first use, so construction stays synchronous and cheap.
    this.openStore = () =>
      store ?? (dbName === false ? new MemoryProfileStore() : new IdbProfileStore(dbName));
  }

  /** the strategy this resolver applies */
  get strategy(): Strategy {
    return this.config.strategy.name;
  }

  private get store(): ProfileStore {
    return (this.opened ??= this.openStore());
  }

  private context(): DecisionContext {
    return { now: this.now(), newMpid: this.newMpid };
  }

  private async resolve(kind: ResolveKind, req: unknown): Promise<BackendResponse> {
    const input = validateBackendRequest(req);
    const ctx = this.context();
    const profile = await this.store.transact((lookup) =>
      resolveRequest(kind, input, this.config, lookup, ctx),
    );
    return toResponse(profile);
  }

  identify(req: BackendRequest, _ctx?: CallContext): Promise<BackendResponse> {
    return this.resolve('identify', req);
  }

  login(req: BackendRequest, _ctx?: CallContext): Promise<BackendResponse> {
    return this.resolve('login', req);
  }

  logout(req: BackendRequest, _ctx?: CallContext): Promise<BackendResponse> {
    return this.resolve('logout', req);
  }

  async modify(mpid: string, req: ModifyRequest, _ctx?: CallContext): Promise<BackendResponse> {
    const changes = validateModifyRequest(mpid, req);
    const ctx = this.context();
    const profile = await this.store.transact((lookup) =>
      resolveModify(mpid, changes, this.config, lookup, ctx),
    );
    return {
      httpCode: 200,
      mpid: profile.mpid,
      isLoggedIn: profile.isKnown,
      matchedIdentities: { ...profile.identities },
    };
  }

  async alias(
    req: AliasRequest,
    _ctx?: CallContext,
  ): Promise<{
    /** 202: accepted */
    httpCode: number;
  }> {
    if (!aliasAllowed(this.config)) {
      throw new IdentityError('forbidden', `aliasing is not provisioned under ${this.strategy}`, {
        httpCode: 403,
      });
    }
    const acceptedAt = this.now();
    const request = await this.store.transact(async (lookup) => ({
      result: await validateAlias(req, lookup, acceptedAt, this.retentionMs),
      writes: { put: [] },
    }));
    await this.store.addAlias({
      id: `${acceptedAt}-${randomMpid()}`,
      request,
      acceptedAt,
      dueAt: acceptedAt + this.aliasDelayMs,
    });
    return { httpCode: 202 };
  }

  /* ------------------------------------------------------------ inspection */

  /** Every profile the resolver holds, for the demo and tests. */
  profiles(): Promise<Profile[]> {
    return this.store.all();
  }

  /** One profile by MPID, or null. */
  profile(mpid: string): Promise<Profile | null> {
    return this.store.get(mpid);
  }

  /** Data arriving outside the Identity API: finds or creates its profile, like identify. */
  async feed(identities: Identities): Promise<Profile> {
    const knownIdentities = validateIdentities(identities, 'identities', badRequest);
    const ctx = this.context();
    return this.store.transact((lookup) =>
      resolveRequest('feed', { knownIdentities, previousMpid: null }, this.config, lookup, ctx),
    );
  }

  /** A data point on a profile, so that aliasing has something to move. */
  async recordActivity(mpid: string, at: number = this.now()): Promise<void> {
    if (!isMpid(mpid)) badRequest('mpid must be a decimal 64-bit integer string');
    if (!Number.isFinite(at)) badRequest('at must be a number (ms since epoch)');
    await this.store.transact(async (lookup) => {
      const profile = await lookup.byMpid(mpid);
      if (!profile) badRequest(`mpid ${mpid} does not exist`);
      profile.activity.push(at);
      return { result: undefined, writes: { put: [profile] } };
    });
  }

  /**
   * Applies every accepted alias whose delay has passed. Applying is
   * idempotent, so an alias applied but not yet dequeued is harmless.
   */
  async processAliases(): Promise<number> {
    const now = this.now();
    let applied = 0;
    for (const alias of await this.store.pendingAliases()) {
      if (alias.dueAt > now) continue;
      if (await this.store.transact((lookup) => applyAlias(alias.request, lookup))) applied++;
      await this.store.removeAlias(alias.id);
    }
    return applied;
  }

  /** Releases the store (an IndexedDB connection); a later call opens it again. */
  async close(): Promise<void> {
    await this.opened?.close();
  }
}
