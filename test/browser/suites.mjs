// Every browser suite in one process, so that each engine's browser is launched
// once and shared (test/browser/run.mjs starts this once per engine).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
for (const file of readdirSync(here)
  .filter((name) => name.endsWith('.test.mjs'))
  .sort()) {
  await import(new URL(file, import.meta.url));
}
