// The identity cookie panel: what the first device ("this browser") mirrors
// into the cookie (README "Subdomains, Safari and server-side rendering"),
// decoded; a button that wipes that device's IndexedDB as Safari does after
// 7 days without interaction; and the server-set refresh at /idsync/cookie.
import { el, show } from './dom.js';

/** Where the demo's first device POSTs the cookie state; demo/serve.mjs answers with Set-Cookie. */
export const COOKIE_OPTIONS = { refreshUrl: '/idsync/cookie' };
const NAME = 'idsync';

/** The identity cookie as the page reads it: its value, and its fields when it has the format's shape. */
export function readIdentityCookie() {
  const pair = document.cookie
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${NAME}=`));
  if (!pair) return null;
  const value = pair.slice(NAME.length + 1);
  const match = /^idsync\.1\.([\w-]+)\.(-?\d*)\.([01])\.(\d+)\.\w+$/.exec(value);
  if (!match) return { value, fields: null };
  const [, deviceId, mpid, flag, revision] = match;
  return { value, fields: { deviceId, mpid: mpid || null, isLoggedIn: flag === '1', revision } };
}

const refresh = { at: null, status: null };

/** Notes each POST to the refresh URL (Resource Timing; the status where the browser reports it). */
export function watchCookieRefresh(onChange) {
  if (typeof PerformanceObserver !== 'function') return;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.name.endsWith(COOKIE_OPTIONS.refreshUrl)) continue;
      refresh.at = Date.now();
      refresh.status = entry.responseStatus || null;
      onChange();
    }
  });
  try {
    observer.observe({ type: 'resource', buffered: true });
  } catch {
    // an older browser: the panel just shows no refresh line
  }
}

/** Renders the panel for `device` (the device with the cookie option, or null). */
export function renderCookiePanel(container, device) {
  const cookie = readIdentityCookie();
  const rows = [];
  if (!device) {
    rows.push(el('p', { className: 'empty' }, 'The cookie belongs to the interactive world.'));
  } else if (!cookie) {
    rows.push(el('p', { className: 'empty' }, 'No identity cookie yet: send an identify.'));
  } else {
    rows.push(
      el('p', { className: 'mono cookie-value', dataset: { cookie: 'value' } }, cookie.value),
    );
    if (cookie.fields) {
      const { deviceId, mpid, isLoggedIn, revision } = cookie.fields;
      rows.push(
        el(
          'dl',
          { className: 'cookie-fields', dataset: { cookie: 'fields' } },
          el('dt', {}, 'device id'),
          el('dd', { className: 'mono' }, deviceId),
          el('dt', {}, 'current MPID'),
          el('dd', { className: 'mono', dataset: { cookie: 'mpid' } }, mpid ?? 'none'),
          el('dt', {}, 'logged in'),
          el('dd', {}, isLoggedIn ? 'yes' : 'no'),
          el('dt', {}, 'revision'),
          el('dd', { className: 'mono' }, revision),
        ),
      );
    } else {
      rows.push(
        el('p', { className: 'hint' }, 'Not in the format: the client ignores it (one warning).'),
      );
    }
  }
  if (refresh.at !== null) {
    rows.push(
      el(
        'p',
        { className: 'hint', dataset: { cookie: 'refresh' } },
        `Re-issued by the server (${COOKIE_OPTIONS.refreshUrl}` +
          `${refresh.status ? `, ${refresh.status}` : ''}) at ` +
          new Date(refresh.at).toLocaleTimeString('en-GB', { hour12: false }),
      ),
    );
  }
  show(container, rows);
}

/** `onWipe`: deletes the device's IndexedDB and starts its client again. */
export function wireCookiePanel(button, onWipe) {
  button.addEventListener('click', () => void onWipe());
}
