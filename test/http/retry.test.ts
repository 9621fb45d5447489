import { ALIAS_RETRY, delayFor, IDENTITY_RETRY, resolvePolicy } from '../../src/retry';
import { IdentityError } from '../../src/errors';

const server = new IdentityError('server', 'boom', { httpCode: 503 });

test('full jitter: uniform below a doubling ceiling, capped', () => {
  const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  expect(delayFor(policy, 1, server, () => 0)).toBe(0);
  expect(delayFor(policy, 1, server, () => 0.999)).toBe(99);
  expect(delayFor(policy, 3, server, () => 0.5)).toBe(200);
  expect(delayFor(policy, 9, server, () => 0.5)).toBe(500);
});

test('gives up after `attempts` tries and on errors that are not transient', () => {
  expect(delayFor(IDENTITY_RETRY, 3, server, () => 0.5)).toBeUndefined();
  for (const code of ['bad_request', 'unauthorized', 'forbidden', 'validation'] as const) {
    expect(delayFor(IDENTITY_RETRY, 1, new IdentityError(code, 'x'), () => 0.5)).toBeUndefined();
  }
  expect(delayFor(IDENTITY_RETRY, 1, new Error('not ours'), () => 0.5)).toBeUndefined();
  // a malformed 200 is `server` but asking again would not help
  const malformed = new IdentityError('server', 'no mpid', { httpCode: 200 });
  expect(delayFor(IDENTITY_RETRY, 1, malformed, () => 0.5)).toBeUndefined();
});

test('retries network errors and timeouts', () => {
  expect(delayFor(IDENTITY_RETRY, 1, new IdentityError('network', 'x'), () => 1)).toBe(250);
  expect(delayFor(IDENTITY_RETRY, 2, new IdentityError('timeout', 'x'), () => 1)).toBe(500);
});

test('Retry-After is a floor, and one beyond the cap is not waited for', () => {
  const limited = (ms: number) =>
    new IdentityError('rate_limited', 'slow', { httpCode: 429, retryAfterMs: ms });
  expect(delayFor(IDENTITY_RETRY, 1, limited(1500), () => 0)).toBe(1500);
  expect(delayFor(IDENTITY_RETRY, 1, limited(5000), () => 0)).toBeUndefined();
  expect(delayFor(ALIAS_RETRY, 1, limited(5000), () => 0)).toBe(5000);
});

test('resolvePolicy overrides only valid fields', () => {
  expect(resolvePolicy(IDENTITY_RETRY, undefined)).toEqual(IDENTITY_RETRY);
  expect(resolvePolicy(IDENTITY_RETRY, false)).toEqual({ ...IDENTITY_RETRY, attempts: 1 });
  expect(resolvePolicy(IDENTITY_RETRY, { attempts: undefined, maxDelayMs: 5 })).toEqual({
    ...IDENTITY_RETRY,
    maxDelayMs: 5,
  });
  expect(resolvePolicy(IDENTITY_RETRY, { attempts: -3 }).attempts).toBe(3);
  expect(resolvePolicy(IDENTITY_RETRY, { attempts: 0.5 }).attempts).toBe(1);
});
