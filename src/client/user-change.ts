import type { UserRecord } from '../store/client-store';

/**
 * Whether a change leaves a user's record as it was: no-ops never reach the
 * store nor the listeners. (How identities change on modify is in
 * identity-exchange.ts.) Records hold plain JSON data; with keys sorted, equal records give equal strings.
 */
export function sameRecord(a: UserRecord, b: UserRecord): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
