// Size budget, checked in CI: the core an app ships (createIdentity +
// IdentityError, tree-shaken from dist/idsync.mjs, idb bundled in, terser,
// gzip -9) must stay under 7.5 KB. Run after a build: `npm run test:size`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { bundleSize, ENTRIES } from '../../bench/size.mjs';

const CORE_BUDGET_BYTES = 7.5 * 1024;
const CORE = 'core (createIdentity + idb)';
const built = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'dist/idsync.mjs');

test(`core ESM bundle stays under ${CORE_BUDGET_BYTES} bytes min+gz`, async () => {
  assert.ok(existsSync(built), 'dist/idsync.mjs is missing: run `npm run build` first');
  const { min, gzip } = await bundleSize(ENTRIES[CORE]);
  assert.ok(min > 1024, `the core bundle is implausibly small (${min} bytes minified)`);
  assert.ok(
    gzip < CORE_BUDGET_BYTES,
    `core ESM bundle is ${gzip} bytes min+gz (${(gzip / 1024).toFixed(2)} KB), ` +
      `over the ${CORE_BUDGET_BYTES}-byte budget; minified: ${min} bytes`,
  );
});
