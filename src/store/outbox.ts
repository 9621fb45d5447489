import { IdentityError } from '../errors';
import type { AliasRequest } from '../types';
import { namesAny } from './client-store';

/**
 * One alias request waiting for the backend to accept it. Written before the
 * first send, so that a page closing mid-send loses nothing, and deleted once
 * the backend accepts (2xx) or rejects it for good.
 */
export interface OutboxEntry {
  id: string;
  request: AliasRequest;
  /** ms since epoch (client clock): when aliasUsers was called; orders delivery */
  createdAt: number;
  /** sends that failed transiently so far */
  attempts: number;
  /** ms since epoch: not sent before this, unless a flush is forced */
  nextAttemptAt: number;
  /** `code: message` of the last transient failure, for debugging */
  lastError?: string;
}

/** The alias outbox's store, kept next to the ClientStore. Each method rejects with IdentityError 'storage' on failure. */
export interface OutboxStore {
  /** every pending entry, oldest first */
  outboxAll(): Promise<OutboxEntry[]>;
  /** inserts or replaces (by id) */
  outboxPut(entry: OutboxEntry): Promise<void>;
  /** deleting an entry that is not there is not an error */
  outboxDelete(id: string): Promise<void>;
}

/** Oldest first; the id breaks ties so that every store gives the same order. */
export function byAge(a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Entries hold JSON data only (a validated request, numbers, a string). */
export function cloneEntry(entry: OutboxEntry): OutboxEntry {
  return JSON.parse(JSON.stringify(entry)) as OutboxEntry;
}

/** The memory outbox, with what a reset of the memory store beside it needs. */
export interface MemoryOutbox extends OutboxStore {
  /** drops the entries whose request names one of `mpids` */
  dropNaming(mpids: ReadonlySet<string>): void;
}

/** The memory store's outbox: copies in and out, refuses writes once the store is closed. */
export function createMemoryOutbox(isClosed: () => boolean): MemoryOutbox {
  const entries = new Map<string, OutboxEntry>();
  const ensureOpen = (): void => {
    if (isClosed()) throw new IdentityError('storage', 'the memory store is closed');
  };
  return {
    async outboxAll() {
      return [...entries.values()].map(cloneEntry).sort(byAge);
    },
    async outboxPut(entry) {
      ensureOpen();
      entries.set(entry.id, cloneEntry(entry));
    },
    async outboxDelete(id) {
      ensureOpen();
      entries.delete(id);
    },
    dropNaming(mpids) {
      for (const [id, { request }] of entries) if (namesAny(request, mpids)) entries.delete(id);
    },
  };
}
