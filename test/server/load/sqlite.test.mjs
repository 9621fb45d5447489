// The sqlite store under a hard kill. Run by `npm run test:server` (after a build).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crashDuringLoad } from './crash.mjs';

const require = createRequire(import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'idsync-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sqlite: kill -9 mid-load loses no answered write, and the database is intact', async () => {
  const file = join(dir, 'idsync.db');
  const { answered, kept } = await crashDuringLoad(`sqlite:${file}`);
  console.log(`sqlite: ${answered} answered logins before kill -9, ${kept} profiles after restart`);
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});
