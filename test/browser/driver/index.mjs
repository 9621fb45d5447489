// The browser tests' one driver layer: a suite is written once against this
// small API and runs on Chromium, Firefox and WebKit.
//
//   browser = await env.browser()               one per engine, shared by the suites
//   context = await browser.newContext()        a fresh profile: its own storage and cookies
//   await context.addInitScript(fn, arg)        before any script of each later document
//   tab = await context.newTab()
//   await tab.goto(url) / tab.reload() / tab.close()
//   await tab.evaluate(fn, arg)                 promises awaited; plain JSON data back
//   tab.waitFor / waitForSelector / click / fill / select / text / count / attribute
//   tab.messages() / errors() / dialogs()       console messages, page errors, dialogs
//   tab.deleteDatabase(name) / setVisibility('hidden'|'visible') / bringToFront()
//   context.setCookies([...]) / context.cookies(url)
//
// `npm run test:browser -- --engine firefox` runs one engine (test/browser/run.mjs);
// `node --test test/browser/x.test.mjs` runs one file on the engines of
// $IDSYNC_ENGINE (comma-separated, default all three).
import { after, describe, test as nodeTest } from 'node:test';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';
import { launchWebkit } from './webkit.mjs';

export { TEST_DOMAIN, TEST_HOSTS } from './common.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];
const LAUNCHERS = { chromium: launchChromium, firefox: launchFirefox, webkit: launchWebkit };

/** The engines this process runs: $IDSYNC_ENGINE, else all three. */
export function selectedEngines(value = process.env.IDSYNC_ENGINE) {
  if (!value) return [...ENGINES];
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  for (const name of names) {
    if (!ENGINES.includes(name)) {
      throw new Error(`unknown engine "${name}": choose from ${ENGINES.join(', ')}`);
    }
  }
  return names;
}

const launched = new Map();
/** The engine's browser, launched once per process and reused by every suite. */
export function launchEngine(name, options) {
  if (!launched.has(name)) launched.set(name, LAUNCHERS[name](options));
  return launched.get(name);
}

export async function closeEngine(name) {
  const browser = launched.get(name);
  launched.delete(name);
  if (browser) await (await browser.catch(() => null))?.close();
}

let closerRegistered = false;

/**
 * Registers `define(env)` once per selected engine, inside
 * `describe('<engine>: <name>')`. `env.engine` is the engine's name,
 * `env.browser()` its shared browser, `env.unsupported(t, reason)` a named skip.
 */
export function browserSuite(name, define) {
  if (!closerRegistered) {
    closerRegistered = true;
    after(async () => {
      for (const engine of [...launched.keys()]) await closeEngine(engine);
    });
  }
  for (const engine of selectedEngines()) {
    describe(`${engine}: ${name}`, () => {
      define({
        engine,
        browser: () => launchEngine(engine),
        unsupported(t, reason) {
          const line = `SKIP on ${engine}: ${t.name}: ${reason}`;
          process.stdout.write(`# ${line}\n`);
          t.skip(line);
        },
      });
    });
  }
}

/** A test that needs no browser: it runs once, with the first selected engine's run. */
export function engineFreeTest(name, fn) {
  if (process.env.IDSYNC_ENGINE_FREE === '0') return;
  nodeTest(name, fn);
}

/** Per test: generous for a loaded 2-core machine; a hung driver call fails the test instead of the run. */
export const TEST_TIMEOUT_MS = 120_000;

/** node:test's test, with the browser tests' timeout. */
export function test(name, fn) {
  return nodeTest(name, { timeout: TEST_TIMEOUT_MS }, fn);
}
