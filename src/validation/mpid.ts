const MPID_PATTERN = /^-?(0|[1-9][0-9]{0,18})$/;
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

/** An MPID is a signed 64-bit integer carried as a canonical decimal string. */
export function isMpid(value: unknown): value is string {
  if (typeof value !== 'string' || !MPID_PATTERN.test(value) || value === '-0') return false;
  const n = BigInt(value);
  return n >= MIN && n <= MAX;
}
