// WebKit: Debian's WebKitWebDriver and WebKitGTK MiniBrowser (--automation) on
// an Xvfb display, spoken to in plain W3C WebDriver over HTTP.
//
// What WebKitWebDriver gives and how this driver makes up the rest:
// - one session per driver process, and a session is one browser process with
//   an ephemeral profile: so a context is a WebKitWebDriver + MiniBrowser of its
//   own (one is started ahead while the current one runs, to hide the start-up);
// - one current window per session: each call of a tab switches to it first,
//   under a lock; a promise in a page is awaited by short polls, so a tab waiting
//   on an event never blocks the other tabs' calls;
// - no init scripts, console events or host mapping: see webkit-proxy.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { callExpression, parseResult, poll, tabHelpers } from './common.mjs';
import { BLANK_PATH, LOG_KEY, startWebkitProxy } from './webkit-proxy.mjs';
import { freePort } from '../../free-port.mjs';

const MINIBROWSER =
  process.env.WEBKIT_MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const WEBDRIVER = process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver';
/** How long one in-page wait may hold the session before other tabs get their turn. */
const SLICE_MS = 100;

export function checkWebkit() {
  for (const [path, pkg] of [
    [WEBDRIVER, 'webkit2gtk-driver'],
    [MINIBROWSER, 'webkit2gtk-driver'],
    ['/usr/bin/Xvfb', 'xvfb'],
  ]) {
    if (!existsSync(path)) {
      throw new Error(
        `${path} not found. The WebKit tests need Debian's ${pkg}: ` +
          `"apt-get update && apt-get install -y webkit2gtk-driver xvfb".`,
      );
    }
  }
}

const children = new Set();
const killChildren = () => {
  for (const child of children) child.kill('SIGKILL');
};
// Xvfb, drivers and browsers must not outlive the tests, even when the run is stopped.
process.once('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killChildren();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** One Xvfb for all contexts of this browser; its display number comes back on fd 3. */
async function startXvfb() {
  const child = track(
    spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const display = await new Promise((resolve, reject) => {
    let out = '';
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)));
  });
  return { display, close: () => child.kill() };
}

class WebDriverError extends Error {}

function client(base) {
  return async function wd(method, path, body) {
    const t0 = Date.now();
    if (process.env.WKDEBUG)
      process.stderr.write(`> ${method} ${path} ${JSON.stringify(body ?? '').slice(0, 80)}\n`);
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await response.json();
    if (process.env.WKDEBUG)
      process.stderr.write(
        `< ${method} ${path} ${Date.now() - t0} ms ${JSON.stringify(value ?? null).slice(0, 100)}\n`,
      );
    if (value && typeof value === 'object' && 'error' in value && !response.ok) {
      throw new WebDriverError(
        `WebKitWebDriver ${method} ${path}: ${value.error}: ${value.message}`,
      );
    }
    return value;
  };
}

/** A WebKitWebDriver with one MiniBrowser session, reached through its own proxy. */
async function startSession(display, { direct }) {
  const initScripts = [];
  const proxy = direct
    ? { address: null, close: async () => undefined }
    : await startWebkitProxy(initScripts);
  const port = await freePort();
  const driver = track(
    spawn(WEBDRIVER, [`--port=${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DISPLAY: display },
    }),
  );
  let stderr = '';
  driver.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const wd = client(`http://127.0.0.1:${port}`);
  try {
    await poll(
      () =>
        wd('GET', '/status').then(
          () => true,
          () => false,
        ),
      {
        timeout: 10_000,
        what: `WebKitWebDriver on port ${port} (${stderr})`,
      },
    );
    const created = await wd('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'MiniBrowser',
          // Navigations return at once and goto() waits itself: a page whose
          // load is held back can still be driven, and a script call made
          // while a page loads never waits on WebKitWebDriver's own
          // navigation tracking (with 'eager' one such call now and then
          // never came back).
          pageLoadStrategy: 'none',
          ...(direct ? {} : { proxy: { proxyType: 'manual', httpProxy: proxy.address } }),
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        },
      },
    });
    return {
      wd: client(`http://127.0.0.1:${port}/session/${created.sessionId}`),
      created,
      driver,
      proxy,
      initScripts,
    };
  } catch (error) {
    driver.kill();
    await proxy.close();
    throw error;
  }
}

/**
 * `direct: true` (the bench): no proxy, so that no request pays a hop the
 * other engines do not; no init scripts, console record or test host names then.
 */
export async function launchWebkit({ direct = false } = {}) {
  checkWebkit();
  const xvfb = await startXvfb();
  let spare = null;
  const prepare = () => {
    spare = startSession(xvfb.display, { direct });
    spare.catch(() => undefined); // reported when taken
  };
  prepare();
  const first = await spare;
  const version = `WebKitGTK ${first.created.capabilities.browserVersion}`;
  const contexts = new Set();
  return {
    engine: 'webkit',
    version,
    async newContext({ viewport } = {}) {
      const session = await spare;
      prepare();
      const context = wrapContext(session, viewport);
      contexts.add(context);
      context.onClose = () => contexts.delete(context);
      return context;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      const last = await spare.catch(() => null);
      if (last) await endSession(last);
      xvfb.close();
    },
  };
}

async function endSession({ wd, driver, proxy }) {
  await wd('DELETE', '').catch(() => undefined);
  driver.kill();
  await proxy.close();
}

/** Runs WebDriver commands one at a time, each on the window it names. */
function sessionLock(wd, initialHandle) {
  let chain = Promise.resolve();
  let current = initialHandle;
  const open = new Set([initialHandle]);
  return {
    /**
     * fn(wd) runs alone on the session with `handle` the current window; with
     * `handle` null, on any open window (WebDriver needs one to open another).
     */
    on(handle, fn) {
      const run = chain.then(async () => {
        const target = handle ?? (current !== null ? current : [...open][0]);
        if (target !== undefined && target !== current) {
          await wd('POST', '/window', { handle: target });
          current = target;
        }
        return fn(wd);
      });
      chain = run.catch(() => undefined);
      return run;
    },
    opened(handle) {
      open.add(handle);
    },
    closed(handle) {
      open.delete(handle);
      if (current === handle) current = null;
    },
    get openCount() {
      return open.size;
    },
  };
}

function wrapContext(session, viewport) {
  const { wd, initScripts } = session;
  let lock;
  let unused; // the window the session opened with, handed to the first tab
  const ready = (async () => {
    unused = await wd('GET', '/window');
    lock = sessionLock(wd, unused);
  })();
  const tabs = new Set();
  let nextCall = 0;
  const newWindow = async () => {
    await ready;
    if (unused) {
      const handle = unused;
      unused = null;
      return handle;
    }
    const { handle } = await lock.on(null, () => wd('POST', '/window/new', { type: 'window' }));
    lock.opened(handle);
    return handle;
  };
  /**
   * Closes a tab's window. The last window is kept, blank, for the next tab:
   * WebDriver ends the session with its last window.
   */
  const closeWindow = async (lock, handle) => {
    if (lock.openCount === 1) {
      await lock.on(handle, (wd) => wd('POST', '/url', { url: 'about:blank' }));
      unused = handle;
      return;
    }
    try {
      await lock.on(handle, (wd) => wd('DELETE', '/window'));
    } finally {
      lock.closed(handle);
    }
  };
  const context = {
    async addInitScript(fn, arg) {
      initScripts.push([fn, arg]);
    },
    async newTab() {
      const handle = await newWindow();
      const tab = wrapTab(handle, lock, () => ++nextCall, closeWindow);
      tabs.add(tab);
      if (viewport) await tab.setViewport(viewport);
      return tab;
    },
    /** Sets each cookie from a blank page of its host, as WebDriver asks. */
    async setCookies(cookies) {
      const handle = await newWindow();
      try {
        for (const cookie of cookies) {
          const host = cookie.url ? new URL(cookie.url).hostname : cookie.domain.replace(/^\./, '');
          const { url: _url, ...rest } = cookie;
          const wdCookie = { path: '/', ...rest };
          if (rest.expires !== undefined) {
            wdCookie.expiry = Math.floor(rest.expires);
            delete wdCookie.expires;
          }
          await lock.on(handle, async () => {
            await wd('POST', '/url', { url: `http://${host}${BLANK_PATH}` });
            await waitForBlank(wd);
            await wd('POST', '/cookie', { cookie: wdCookie });
          });
        }
      } finally {
        await closeWindow(lock, handle);
      }
    },
    /** The cookies a document at `url` would see (WebDriver reads them per document). */
    async cookies(url) {
      const handle = await newWindow();
      try {
        return await lock.on(handle, async () => {
          await wd('POST', '/url', { url: `${new URL(url).origin}${BLANK_PATH}` });
          await waitForBlank(wd);
          const cookies = await wd('GET', '/cookie');
          return cookies.map(({ expiry, ...rest }) =>
            expiry === undefined ? rest : { ...rest, expires: expiry },
          );
        });
      } finally {
        await closeWindow(lock, handle);
      }
    },
    async close() {
      context.onClose?.();
      await endSession(session);
    },
  };
  return context;
}

/** With page load strategy 'none': the blank page of the proxy is there. */
function waitForBlank(wd) {
  const script = `return location.pathname === '${BLANK_PATH}' && document.readyState === 'complete';`;
  return poll(() => wd('POST', '/execute/sync', { script, args: [] }).catch(() => false), {
    what: 'the blank page',
  });
}

function wrapTab(handle, lock, callId, closeWindow) {
  const on = (fn) => lock.on(handle, fn);
  const findElement = async (wd, selector) => {
    const found = await wd('POST', '/element', { using: 'css selector', value: selector });
    return Object.values(found)[0];
  };
  const sync = (script) => on((wd) => wd('POST', '/execute/sync', { script, args: [] }));
  /** Runs a navigation and waits for the new document to reach `waitUntil`. */
  const navigate = async (path, body, waitUntil) => {
    // Marks the document being left, so that the wait below sees the new one.
    await sync('window.__idsyncDriverLeft = true;').catch(() => undefined);
    await on((wd) => wd('POST', path, body));
    const ready =
      waitUntil === 'load'
        ? "document.readyState === 'complete'"
        : "document.readyState !== 'loading'";
    await poll(() => sync(`return !window.__idsyncDriverLeft && ${ready};`).catch(() => false), {
      what: `${waitUntil} of ${body.url ?? 'the reload'}`,
    });
  };

  const tab = {
    ...tabHelpers,
    goto: (url, { waitUntil = 'load' } = {}) => navigate('/url', { url }, waitUntil),
    reload: () => navigate('/refresh', {}, 'load'),
    /**
     * Starts fn(arg) in the page and waits for it in slices of SLICE_MS, so
     * that the session is free in between for the other tabs.
     */
    async evaluate(fn, arg) {
      const id = callId();
      const start = `
        const [id, done] = arguments;
        const calls = (window.__idsyncDriverCalls ||= {});
        const call = (calls[id] = { done: false });
        call.promise = ${callExpression(fn, arg)}.then(
          (value) => Object.assign(call, { done: true, value }),
          (error) => Object.assign(call, { done: true, error: String(error && error.stack ? error + '\\n' + error.stack : error) }),
        );
        ${waitSlice}`;
      let state = await on((wd) => wd('POST', '/execute/async', { script: start, args: [id] }));
      while (!state.done) {
        if (state.lost) throw new Error('the page navigated or closed before the call settled');
        state = await on((wd) =>
          wd('POST', '/execute/async', {
            script: `const [id, done] = arguments; ${waitSlice}`,
            args: [id],
          }),
        );
      }
      if ('error' in state) throw new Error(`evaluate: ${state.error}`);
      return parseResult(state.value);
    },
    url: () => on((wd) => wd('GET', '/url')),
    async click(selector) {
      await tab.waitForSelector(selector);
      await on(async (wd) => wd('POST', `/element/${await findElement(wd, selector)}/click`, {}));
    },
    async fill(selector, text) {
      await tab.waitForSelector(selector);
      await on(async (wd) => {
        const element = await findElement(wd, selector);
        await wd('POST', `/element/${element}/clear`, {});
        await wd('POST', `/element/${element}/value`, { text });
      });
    },
    /**
     * Picks the option as Playwright's selectOption and puppeteer's select do:
     * the value is set and 'input' and 'change' fire.
     */
    async select(selector, value) {
      await tab.waitForSelector(selector);
      await tab.evaluate(
        ([s, v]) => {
          const select = document.querySelector(s);
          if (![...select.options].some((o) => o.value === v)) throw new Error(`no option ${v}`);
          select.value = v;
          select.dispatchEvent(new Event('input', { bubbles: true }));
          select.dispatchEvent(new Event('change', { bubbles: true }));
        },
        [selector, value],
      );
    },
    bringToFront: () => on(() => undefined),
    async setViewport({ width, height }) {
      // The window rect includes the browser's own chrome: measure it and add it.
      const chrome = await tab.evaluate(() => [
        window.outerWidth - window.innerWidth,
        window.outerHeight - window.innerHeight,
      ]);
      await on((wd) =>
        wd('POST', '/window/rect', { width: width + chrome[0], height: height + chrome[1] }),
      );
    },
    async screenshot(path) {
      const png = await on((wd) => wd('GET', '/screenshot'));
      await writeFile(path, Buffer.from(png, 'base64'));
    },
    async messages() {
      const all = await readLog(tab);
      return all.filter((m) => m.type !== 'dialog');
    },
    async dialogs() {
      return (await readLog(tab)).filter((m) => m.type === 'dialog').map((m) => m.text);
    },
    async close() {
      await closeWindow(lock, handle);
    },
  };
  return tab;
}

/** In the page: settles `done` with the call's slot once it settles, or after SLICE_MS. */
const waitSlice = `
  const slot = window.__idsyncDriverCalls && window.__idsyncDriverCalls[id];
  if (!slot) return done({ done: false, lost: true });
  const finish = () => {
    if (!slot.done) return done({ done: false });
    delete window.__idsyncDriverCalls[id];
    done(slot.error !== undefined ? { done: true, error: slot.error } : { done: true, value: slot.value });
  };
  if (slot.done) return finish();
  Promise.race([slot.promise, new Promise((r) => setTimeout(r, ${SLICE_MS}))]).then(finish);`;

function readLog(tab) {
  return tab.evaluate((key) => {
    let stored = [];
    try {
      stored = JSON.parse(sessionStorage.getItem(key) || '[]');
    } catch {
      // a page without storage (about:blank): only the in-page record
    }
    return [...stored, ...(window.__idsyncDriverFallbackLog || [])];
  }, LOG_KEY);
}
