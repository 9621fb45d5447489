// Chromium through playwright-core, on Debian's /usr/bin/chromium (never a download).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import {
  callExpression,
  parseResult,
  recordPageEvents,
  tabHelpers,
  TEST_DOMAIN,
} from './common.mjs';

/** The flags this sandbox needs (no sandbox as root, no background traffic); bench/ reuses them. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The Chromium to drive: $CHROMIUM_PATH, else Debian's. Never skips silently. */
export function chromiumPath() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}. The browser tests need a real Chromium: ` +
        'install Debian\'s with "apt-get update && apt-get install -y chromium", ' +
        'or point CHROMIUM_PATH at another Chromium binary.',
    );
  }
  return path;
}

function chromiumVersion(browser) {
  try {
    return execFileSync(chromiumPath(), ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .match(/[\d.]+/)[0]
      .trim();
  } catch {
    return browser.version();
  }
}

export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Sibling subdomains of the test domain are this machine.
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP *.${TEST_DOMAIN} 127.0.0.1`],
  });
  return {
    engine: 'chromium',
    version: `Chromium ${chromiumVersion(browser)}`,
    async newContext({ viewport } = {}) {
      return wrapContext(await browser.newContext({ ...(viewport ? { viewport } : {}) }));
    },
    close: () => browser.close(),
  };
}

function wrapContext(context) {
  return {
    addInitScript: (fn, arg) => context.addInitScript(fn, arg),
    async newTab() {
      return wrapTab(await context.newPage());
    },
    setCookies: (cookies) => context.addCookies(cookies),
    cookies: (url) => context.cookies(url),
    close: () => context.close(),
  };
}

function wrapTab(page) {
  const { messages, dialogs } = recordPageEvents(page);
  return {
    ...tabHelpers,
    async goto(url, { waitUntil = 'load' } = {}) {
      await page.goto(url, { waitUntil });
    },
    async reload() {
      await page.reload();
    },
    async evaluate(fn, arg) {
      return parseResult(await page.evaluate(callExpression(fn, arg)));
    },
    url: () => page.url(),
    click: (selector) => page.click(selector),
    fill: (selector, text) => page.fill(selector, text),
    select: (selector, value) => page.selectOption(selector, value).then(() => undefined),
    bringToFront: () => page.bringToFront(),
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    messages: async () => [...messages],
    dialogs: async () => [...dialogs],
    close: () => page.close(),
  };
}
