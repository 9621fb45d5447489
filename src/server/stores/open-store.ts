/** `--store`: which store a spec names, and opening it. */
import { resolve } from 'node:path';
import { MemoryProfileStore } from '../../backends/local/memory-profile-store';
import type { ProfileStore } from '../../backends/local/profile-store';
import type { IdentityType } from '../../types';
import { pagesFromList, type ProfilePages } from '../profile-pages';
import { PgProfileStore, redactUrl } from './pg-profile-store';
import type { SqlProfileStore } from './sql-profile-store';
import { SqliteProfileStore } from './sqlite-profile-store';

export type StoreSpec =
  { kind: 'memory' } | { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export const DEFAULT_STORE = 'sqlite:./idsync-data.db';

/** `memory`, `sqlite:FILE` or `postgres://…` (`postgresql://…`); throws naming what is wrong. */
export function parseStoreSpec(text: string): StoreSpec {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length);
    if (file === '') throw new Error('--store sqlite:FILE needs a file name');
    return { kind: 'sqlite', file: resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: 'postgres', url: text };
  throw new Error('--store must be memory, sqlite:FILE or postgres://…');
}

/** How the start-up line names the store (a database URL without its password). */
export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'memory') return 'profiles in memory';
  if (spec.kind === 'sqlite') return `profiles in sqlite:${spec.file}`;
  return `profiles in ${redactUrl(spec.url)}`;
}

export interface OpenedStore {
  store: ProfileStore;
  /** what `GET /v1/_profiles` pages through */
  pages: ProfilePages;
  /** the SQL store, for imports; none for memory */
  sql: SqlProfileStore | null;
}

export interface OpenStoreOptions {
  /** the resolver's unique identity types: the SQL stores index them as unique */
  uniqueTypes: ReadonlySet<IdentityType>;
  log?: (line: string) => void;
}

export async function openStore(spec: StoreSpec, options: OpenStoreOptions): Promise<OpenedStore> {
  if (spec.kind === 'memory') {
    const store = new MemoryProfileStore();
    return { store, pages: pagesFromList(() => store.all()), sql: null };
  }
  const sql =
    spec.kind === 'sqlite'
      ? await SqliteProfileStore.open(spec.file, options)
      : await PgProfileStore.open(spec.url, options);
  return { store: sql, pages: sql, sql };
}
