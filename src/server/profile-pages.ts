/** `GET /v1/_profiles`, one page at a time: profiles in MPID order after a cursor. */
import type { Profile } from '../types';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export interface ProfilePages {
  /** up to `limit` profiles whose MPID sorts after `after` (all from the start when null) */
  page(after: string | null, limit: number): Promise<Profile[]>;
}

/**
 * Pages over a store that can only list everything (the memory store, a
 * test's backend): fine for throwaway data, sorted the way SQL sorts text.
 */
export function pagesFromList(list: () => Promise<Profile[]>): ProfilePages {
  return {
    async page(after, limit) {
      const sorted = (await list()).sort((a, b) =>
        a.mpid < b.mpid ? -1 : a.mpid > b.mpid ? 1 : 0,
      );
      const start = after === null ? 0 : sorted.findIndex((p) => p.mpid > after);
      return start === -1 ? [] : sorted.slice(start, start + limit);
    },
  };
}
