/**
 * An MPID is a signed 64-bit integer carried as its canonical decimal string
 * (docs/wire-format.md): no sign on zero, no leading zeros, no `+`. One
 * spelling per number matters because MPIDs are compared as strings
 * everywhere (stores, tabs, the current user): `-0` or `007` would name a
 * second user for the number 0 or 7. Every path uses this rule: the client,
 * the resolver, both halves of the IDSync v1 codec.
 */
const MPID_PATTERN = /^(0|-?[1-9][0-9]{0,18})$/;
const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

export function isMpid(value: unknown): value is string {
  if (typeof value !== 'string' || !MPID_PATTERN.test(value)) return false;
  const n = BigInt(value);
  return n >= MIN && n <= MAX;
}
