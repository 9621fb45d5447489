/**
 * The database drivers are optional dependencies, loaded only when a store
 * needs them: `--store memory` runs without either, and neither ever reaches
 * the browser bundles.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';

function missing(name: string, store: string, cause: unknown): Error {
  return new Error(
    `--store ${store} needs the package ${name}, which is not installed ` +
      `(it is an optional dependency: npm install ${name})`,
    { cause },
  );
}

const notFound = (error: unknown) =>
  ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes(
    (error as NodeJS.ErrnoException)?.code ?? '',
  );

export async function loadSqlite(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    throw notFound(error) ? missing('better-sqlite3', 'sqlite:FILE', error) : error;
  }
}

export async function loadPg(): Promise<typeof Pg> {
  try {
    return (await import('pg')).default;
  } catch (error) {
    throw notFound(error) ? missing('pg', 'postgres://…', error) : error;
  }
}
