// Every browser suite in one process, so that each engine's browser is launched
// once and shared (test/browser/run.mjs starts this once per engine).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Suites still on Playwright's Chromium alone: run once, with the first engine. */
const CHROMIUM_ONLY = new Set([
  'csp.test.mjs',
  'demo.test.mjs',
  'script-tag.test.mjs',
  'snippet.test.mjs',
  'tabs.test.mjs',
]);

const here = fileURLToPath(new URL('.', import.meta.url));
for (const file of readdirSync(here)
  .filter((name) => name.endsWith('.test.mjs'))
  .sort()) {
  if (CHROMIUM_ONLY.has(file) && process.env.IDSYNC_ENGINE_FREE === '0') continue;
  await import(new URL(file, import.meta.url));
}
