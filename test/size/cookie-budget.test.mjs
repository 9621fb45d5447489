// Size guard for the identity cookie chunk, which the client loads with a
// dynamic import only when the `cookie` option is set: bundled from source
// (bench/cookie-size.mjs), terser, gzip -9, without what the core already ships.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieModuleSize } from '../../bench/cookie-size.mjs';

const COOKIE_BUDGET_BYTES = 2304;

test(`the cookie chunk stays under ${COOKIE_BUDGET_BYTES} bytes min+gz`, async () => {
  const { min, gzip } = await cookieModuleSize();
  assert.ok(min > 1024, `the cookie chunk is implausibly small (${min} bytes minified)`);
  assert.ok(
    gzip < COOKIE_BUDGET_BYTES,
    `cookie chunk is ${gzip} bytes min+gz, over the ${COOKIE_BUDGET_BYTES}-byte budget (min ${min})`,
  );
});
