import type { Identities, IdentityType } from '../types';
import type { UserRecord } from '../store/client-store';

/**
 * The pure rules applied when a call succeeds: how identities change and what
 * is carried from the previous user to the next. No I/O here.
 */

export function applyIdentityChanges(
  identities: Identities,
  changes: Partial<Record<IdentityType, string | null>>,
): Identities {
  const out: Identities = { ...identities };
  for (const [type, value] of Object.entries(changes) as [IdentityType, string | null][]) {
    if (value === null) delete out[type];
    else out[type] = value;
  }
  return out;
}

/** Records hold plain JSON data; with keys sorted, equal records give equal strings. */
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
