import { LocalResolver, type LocalResolverOptions } from '../../src';
import type { BackendRequest, Identities, IdentityType } from '../../src/types';

export type StoreKind = 'memory' | 'indexeddb';
export const STORE_KINDS: StoreKind[] = ['memory', 'indexeddb'];

export const START = Date.UTC(2026, 0, 1);
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

/** MPIDs 1234, 2345, 3456, ... in order of creation, like the tables of docs/strategies.md. */
export function mpidSequence(): () => string {
  let i = 0;
  return () => {
    i += 1;
    return [0, 1, 2, 3].map((k) => (i + k) % 10).join('');
  };
}

/** An injected clock that only moves when told. */
export interface Clock {
  now: () => number;
  advance: (ms: number) => void;
}

export function manualClock(start = START): Clock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

let dbCounter = 0;

export function makeResolver(
  kind: StoreKind,
  options: LocalResolverOptions = {},
): { resolver: LocalResolver; clock: Clock } {
  const clock = manualClock();
  const resolver = new LocalResolver({
    generateMpid: mpidSequence(),
    now: clock.now,
    dbName: kind === 'memory' ? false : `resolver-test-${++dbCounter}`,
    ...options,
  });
  return { resolver, clock };
}

/** A request as a client would send it. */
export function req(
  knownIdentities: Identities,
  previousMpid: string | null = null,
): BackendRequest {
  return { knownIdentities, previousMpid, environment: 'development', requestTimestampMs: START };
}

export function change(
  identityType: IdentityType,
  oldValue: string | null,
  newValue: string | null,
) {
  return {
    identityChanges: [{ identityType, oldValue, newValue }],
    environment: 'development' as const,
    requestTimestampMs: START,
  };
}

export const CID = 'ABC123';
export const HYDE = 'ed.hyde@example.com';
export const JEKYLL = 'h.jekyll.md@example.com';
export const IDFV = '9876';
export const ROKU = '8765';
