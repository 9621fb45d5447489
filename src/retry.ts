import { IdentityError } from './errors';

/**
 * Failures worth trying again later: the service may answer next time. (Here,
 * with the policies that retry them, not in errors.ts: start-up never retries.)
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof IdentityError)) return false;
  return (
    error.code === 'network' ||
    error.code === 'timeout' ||
    error.code === 'rate_limited' ||
    error.code === 'server'
  );
}

/**
 * How often and how patiently a request is tried again. One plain object, so
 * that a caller can tune it without learning a class: `{ attempts: 5 }`.
 */
export interface RetryPolicy {
  /** total tries, the first one included: 1 means never retry */
  attempts: number;
  /** the ceiling of the first backoff; doubles with every retry */
  baseDelayMs: number;
  /** the ceiling never grows past this, and no Retry-After longer than this is waited for */
  maxDelayMs: number;
}

/** Identity calls: the user is waiting, so a few quick tries, then the error. */
export const IDENTITY_RETRY: Readonly<RetryPolicy> = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2000,
};

/** Aliasing happens in the background: more tries, longer waits. */
export const ALIAS_RETRY: Readonly<RetryPolicy> = {
  attempts: 8,
  baseDelayMs: 1000,
  maxDelayMs: 60000,
};

/**
 * Milliseconds to wait before try number `attempt + 1`, after try number
 * `attempt` (1-based) failed with `error`; `undefined` means give up.
 *
 * Retried: network failures, timeouts, 5xx and 429. Never other 4xx, and never
 * a malformed 2xx (asking again would not make the service answer better).
 * The wait is "full jitter" (uniform in [0, ceiling)), so that many clients
 * failing together do not come back together; a 429 waits at least its
 * Retry-After, and a Retry-After longer than `maxDelayMs` is not waited for
 * at all: the error (with its `retryAfterMs`) goes back to the caller.
 */
export function delayFor(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts || !isTransient(error)) return undefined;
  const { httpCode, retryAfterMs = 0 } = error as IdentityError;
  if (httpCode !== undefined && httpCode < 500 && httpCode !== 429) return undefined;
  if (retryAfterMs > policy.maxDelayMs) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(retryAfterMs, Math.floor(random() * ceiling));
}

/** A policy from the `retry` option: defaults, overridden field by field; `false` = one try. */
export function resolvePolicy(
  base: Readonly<RetryPolicy>,
  option: Partial<RetryPolicy> | false | undefined,
): RetryPolicy {
  const policy = { ...base };
  if (option === false) policy.attempts = 1;
  else if (option) {
    // Only own, finite numbers: `{ attempts: undefined }` must not erase a default.
    for (const key of ['attempts', 'baseDelayMs', 'maxDelayMs'] as const) {
      const value = option[key];
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) policy[key] = value;
    }
  }
  policy.attempts = Math.max(1, Math.floor(policy.attempts));
  return policy;
}
