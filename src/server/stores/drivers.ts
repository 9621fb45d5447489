/**
 * The database drivers are optional dependencies, loaded only when a store
 * needs them: `--store memory` runs without either, and neither ever reaches
 * the browser bundles.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * The file better-sqlite3 loads from, for a worker thread (a module cannot be
 * handed to one). Under CommonJS (the tests) this module's own `require`
 * knows; in the ES module bundle, run as the program (dist/server.mjs), the
 * program's file is where the package resolves from. Throws when neither finds it.
 */
export function sqliteDriverPath(): string {
  const from =
    typeof require === 'function' ? require : createRequire(realpathSync(process.argv[1] ?? ''));
  return from.resolve('better-sqlite3');
}

export async function loadPg(): Promise<typeof Pg> {
  try {
    return (await import('pg')).default;
  } catch (error) {
    throw notFound(error) ? missing('pg', 'postgres://…', error) : error;
  }
}
