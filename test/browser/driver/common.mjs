// What the three engine drivers share: how a function travels into a page and
// how its result comes back, so that every engine hands the suites the same values.

/** Host names the browser tests may use for sibling subdomains; each engine resolves them to 127.0.0.1. */
export const TEST_DOMAIN = 'idsync.test';
export const TEST_HOSTS = [
  TEST_DOMAIN,
  `a.${TEST_DOMAIN}`,
  `b.${TEST_DOMAIN}`,
  `app.${TEST_DOMAIN}`,
  `www.${TEST_DOMAIN}`,
  `shop.${TEST_DOMAIN}`,
];

/** How long a wait in a page (waitFor, a selector) may take before the test fails. */
export const DEFAULT_WAIT_MS = 15_000;

/**
 * An expression that calls `fn(arg)` in the page and settles with the result as
 * JSON text: every engine returns the same plain data (undefined properties
 * dropped, `undefined` itself kept as the string 'undefined' marker).
 */
export function callExpression(fn, arg) {
  const source = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
  const argument = arg === undefined ? 'undefined' : JSON.stringify(arg);
  return (
    `Promise.resolve().then(() => (${source})(${argument}))` +
    `.then((v) => (v === undefined ? 'undefined' : JSON.stringify(v)))`
  );
}

/** The page's answer to callExpression, back to a value. */
export function parseResult(text) {
  return text === 'undefined' || text === undefined || text === null ? undefined : JSON.parse(text);
}

/** In the page: true when `selector` matches an element that is visible (and has `hasText`). */
export function selectorState([selector, hasText, state]) {
  const matches = [...document.querySelectorAll(selector)].filter(
    (el) => hasText == null || (el.innerText ?? el.textContent).includes(hasText),
  );
  if (state === 'attached') return matches.length > 0;
  const visible = matches.some((el) => {
    const style = getComputedStyle(el);
    return el.getClientRects().length > 0 && style.visibility !== 'hidden';
  });
  return state === 'hidden' ? !visible : visible;
}

/** Polls `check()` until it returns a truthy value; fails with `what` after `timeout` ms. */
export async function poll(check, { timeout = DEFAULT_WAIT_MS, interval = 25, what }) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Methods every Tab gets from its engine's `evaluate`: waits and reads that
 * run in the page, so they behave alike on every engine.
 */
/**
 * Console messages, page errors and dialogs (dismissed) of a Playwright or
 * Puppeteer page: their page events have the same shape.
 */
export function recordPageEvents(page) {
  const messages = [];
  page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (error) => messages.push({ type: 'pageerror', text: String(error) }));
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { messages, dialogs };
}

export const tabHelpers = {
  /** Resolves once `fn(arg)` returns a truthy value in the page (polled). */
  async waitFor(fn, arg, { timeout } = {}) {
    return poll(() => this.evaluate(fn, arg), { timeout, what: `${fn}` });
  },
  /** Waits for `selector` to be visible (state 'visible'), present ('attached') or gone ('hidden'). */
  async waitForSelector(selector, { hasText, state = 'visible', timeout } = {}) {
    await poll(() => this.evaluate(selectorState, [selector, hasText, state]), {
      timeout,
      what: `${selector}${hasText ? ` with "${hasText}"` : ''} (${state})`,
    });
  },
  /** The element's innerText. */
  text(selector) {
    return this.evaluate((s) => {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no element matches ${s}`);
      return el.innerText;
    }, selector);
  },
  /** How many elements match. */
  count(selector) {
    return this.evaluate((s) => document.querySelectorAll(s).length, selector);
  },
  /** One attribute of the first match (null when absent). */
  attribute(selector, name) {
    return this.evaluate(
      ([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null,
      [selector, name],
    );
  },
  /** indexedDB.deleteDatabase from this tab; rejects if another connection blocks it. */
  deleteDatabase(name) {
    return this.evaluate(
      (db) =>
        new Promise((resolve, reject) => {
          const request = indexedDB.deleteDatabase(db);
          request.onsuccess = () => resolve(true);
          request.onblocked = () => reject(new Error(`deleting ${db} was blocked`));
          request.onerror = () => reject(request.error);
        }),
      name,
    );
  },
  /**
   * The page is hidden or shown as the user switching tabs would: the
   * document's visibilityState changes and 'visibilitychange' fires (and
   * 'focus'/'blur' on the window). Emulated in the page on every engine, so
   * that all three see the same events.
   */
  setVisibility(state) {
    return this.evaluate((visible) => {
      const value = visible ? 'visible' : 'hidden';
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => !visible });
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event(visible ? 'focus' : 'blur'));
    }, state === 'visible');
  },
  /** Console errors and uncaught page errors seen so far, as text. */
  async errors() {
    return (await this.messages())
      .filter((m) => m.type === 'error' || m.type === 'pageerror')
      .map((m) => m.text);
  },
};
