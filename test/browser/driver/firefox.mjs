// Firefox through puppeteer-core over WebDriver BiDi, on Debian's firefox-esr.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import {
  callExpression,
  parseResult,
  recordPageEvents,
  tabHelpers,
  TEST_HOSTS,
} from './common.mjs';

export function firefoxPath() {
  const path = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
  if (!existsSync(path)) {
    throw new Error(
      `Firefox not found at ${path}. Install Debian's with ` +
        '"apt-get update && apt-get install -y firefox-esr", or point FIREFOX_PATH at a Firefox.',
    );
  }
  return path;
}

export async function launchFirefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    extraPrefsFirefox: {
      // Firefox has no wildcard mapping: each test host is named (see TEST_HOSTS).
      'network.dns.localDomains': TEST_HOSTS.join(','),
      // Nothing leaves the machine, and no first-run pages.
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'network.captive-portal-service.enabled': false,
      'app.update.enabled': false,
    },
  });
  const version = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
  return {
    engine: 'firefox',
    version,
    async newContext({ viewport } = {}) {
      // A BiDi user context: its own cookies and storage, as a fresh profile has.
      return wrapContext(await browser.createBrowserContext(), viewport);
    },
    close: () => browser.close(),
  };
}

function wrapContext(context, viewport) {
  const initScripts = [];
  return {
    async addInitScript(fn, arg) {
      initScripts.push([fn, arg]);
    },
    async newTab() {
      // Windows, not tabs: a background tab is hidden and its timers throttled,
      // while every tab of the other engines' drivers is visible.
      const page = await context.newPage({ type: 'window' });
      if (viewport) await page.setViewport(viewport);
      for (const [fn, arg] of initScripts) await page.evaluateOnNewDocument(fn, arg);
      return wrapTab(page);
    },
    async setCookies(cookies) {
      await context.setCookie(...cookies.map(toPuppeteerCookie));
    },
    async cookies(url) {
      const host = url ? new URL(url).hostname : undefined;
      const all = await context.cookies();
      return all.filter((c) => !host || domainMatches(host, c.domain));
    },
    close: () => context.close(),
  };
}

/** Playwright's cookie shape (url or domain+path) to puppeteer's. */
function toPuppeteerCookie(cookie) {
  const { url, ...rest } = cookie;
  if (!url) return rest;
  const { hostname } = new URL(url);
  return { path: '/', ...rest, domain: hostname };
}

function domainMatches(host, domain) {
  const bare = domain.replace(/^\./, '');
  return host === bare || host.endsWith(`.${bare}`);
}

function wrapTab(page) {
  const { messages, dialogs } = recordPageEvents(page);
  return {
    ...tabHelpers,
    async goto(url, { waitUntil = 'load' } = {}) {
      await page.goto(url, { waitUntil: waitUntil === 'load' ? 'load' : 'domcontentloaded' });
    },
    async reload() {
      await page.reload();
    },
    async evaluate(fn, arg) {
      return parseResult(await page.evaluate(callExpression(fn, arg)));
    },
    url: () => page.url(),
    click: (selector) => page.locator(selector).click(),
    fill: (selector, text) => page.locator(selector).fill(text),
    select: (selector, value) => page.select(selector, value).then(() => undefined),
    bringToFront: () => page.bringToFront(),
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    messages: async () => [...messages],
    dialogs: async () => [...dialogs],
    close: () => page.close(),
  };
}
