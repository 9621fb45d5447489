// The bench's Chromium: the browser tests' binary and flags, plus what the
// bench needs. One persistent profile (a temp directory), so IndexedDB lives
// on disk as it does for real users, not in an incognito context's memory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test/browser/harness.mjs';

const BENCH_ARGS = [
  // window.gc() for the memory measurement.
  '--js-flags=--expose-gc',
  // Nothing leaves the machine: every host but 127.0.0.1 fails to resolve.
  // Done here rather than with page.route('**/*'), which would intercept, and
  // so slow down, the very requests being timed. *.idsync.test is 127.0.0.1
  // too: the identity cookie's row needs a subdomain (bench/cookie-startup.mjs).
  '--host-resolver-rules=MAP *.idsync.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--no-proxy-server',
];

export async function launchBenchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'idsync-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...BENCH_ARGS],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
