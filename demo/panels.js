// What the panels show, built from data into DOM nodes (text only, see dom.js).
// No state here: app.js decides what to show and where.
import { OWN_DEVICE_ID, describeIdentitySet, identitySet } from './check.js';
import { describeError, el, formatTime } from './dom.js';

export function badge(text, kind) {
  return el('span', { className: `badge ${kind ?? text}` }, text);
}

const empty = (text) => el('p', { className: 'empty' }, text);

/** A profile's or user's identities; the SDK's own device id last, dimmed. */
export function identityList(identities, additional, { onRemove } = {}) {
  const set = identitySet(identities, additional);
  const items = Object.keys(set)
    .sort()
    .flatMap((type) =>
      set[type].map((value) =>
        el(
          'li',
          {},
          el('span', { className: 'type' }, type),
          el('span', { className: 'value' }, value),
          onRemove &&
            el(
              'button',
              {
                type: 'button',
                className: 'icon',
                title: `remove ${type} (modify)`,
                'aria-label': `remove ${type}`,
                onclick: () => onRemove(type),
              },
              '×',
            ),
        ),
      ),
    );
  const own = identities?.[OWN_DEVICE_ID];
  if (own) {
    items.push(
      el(
        'li',
        { className: 'own', title: 'added by the SDK to every request' },
        el('span', { className: 'type' }, OWN_DEVICE_ID),
        el('span', { className: 'value' }, own),
      ),
    );
  }
  return items.length ? el('ul', { className: 'identities' }, items) : empty('none');
}

function attributeList(attributes) {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return empty('none');
  return el(
    'ul',
    { className: 'identities' },
    entries.map(([key, value]) =>
      el(
        'li',
        {},
        el('span', { className: 'type' }, key),
        el('span', { className: 'value' }, JSON.stringify(value)),
      ),
    ),
  );
}

function consentList(consent, now) {
  const lines = [];
  const line = (name, decision) =>
    el(
      'li',
      {},
      el('span', { className: 'type' }, name),
      el(
        'span',
        { className: 'value' },
        badge(decision.consented ? 'consented' : 'refused', decision.consented ? 'yes' : 'no'),
        ` ${formatTime(decision.timestamp, now)}`,
        decision.document ? ` · ${decision.document}` : '',
        decision.location ? ` · ${decision.location}` : '',
      ),
    );
  for (const [purpose, decision] of Object.entries(consent?.gdpr ?? {})) {
    lines.push(line(`GDPR ${purpose}`, decision));
  }
  if (consent?.ccpa?.data_sale_opt_out) {
    lines.push(line('CCPA data sale opt-out', consent.ccpa.data_sale_opt_out));
  }
  return lines.length ? el('ul', { className: 'identities' }, lines) : empty('none');
}

/** The current user of a device: MPID, known/anonymous, times, identities, attributes, consent. */
export function userView(user, { now, onRemoveIdentity }) {
  return [
    el(
      'div',
      { className: 'user-head' },
      el('span', { className: 'mpid', title: 'MPID' }, user.mpid),
      user.isLoggedIn ? badge('known') : badge('anonymous'),
    ),
    el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'First seen'),
      el('dd', {}, formatTime(user.firstSeen, now)),
      el('dt', {}, 'Last seen'),
      el('dd', {}, formatTime(user.lastSeen, now)),
    ),
    el('h3', {}, 'Identities'),
    identityList(user.identities, undefined, { onRemove: onRemoveIdentity }),
    el('h3', {}, 'Attributes'),
    attributeList(user.attributes),
    el('h3', {}, 'Consent'),
    consentList(user.consent, now),
  ];
}

/** Every profile, oldest first; `shownMpid` highlighted, orphans marked. */
export function profileCards(profiles, { devices, shownMpid, now }) {
  return [...profiles]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((profile) => {
      const orphan = typeof profile.orphanedAt === 'number';
      const currentOn = devices.filter((d) => d.client.currentUser?.mpid === profile.mpid);
      return el(
        'article',
        {
          className: `profile${profile.mpid === shownMpid ? ' current' : ''}${orphan ? ' orphan' : ''}`,
          dataset: { mpid: profile.mpid },
        },
        el(
          'div',
          { className: 'profile-head' },
          el('span', { className: 'mpid' }, profile.mpid),
          profile.isKnown ? badge('known') : badge('anonymous'),
          orphan && badge('orphan'),
          currentOn.map((d) => badge(`current on ${d.label}`, 'current')),
        ),
        identityList(profile.identities, profile.additionalIdentities),
        el(
          'p',
          { className: 'meta' },
          `created ${formatTime(profile.createdAt, now)} · last seen ${formatTime(profile.lastSeen, now)}`,
          profile.activity?.length ? ` · ${plural(profile.activity.length, 'data point')}` : '',
          profile.aliasedFrom?.length ? ` · aliased from ${profile.aliasedFrom.join(', ')}` : '',
          orphan ? ` · orphaned ${formatTime(profile.orphanedAt, now)}` : '',
        ),
      );
    });
}

function describeRequest(step) {
  switch (step.call) {
    case 'alias':
      return `${step.from} → ${step.to}`;
    case 'process':
      return 'clock +24 h, processAliases()';
    default:
      return describeIdentitySet(identitySet(step.identities));
  }
}

function checkLines(checks, field) {
  return el(
    'ul',
    { className: 'checks' },
    checks.map((check) =>
      el(
        'li',
        { className: field === 'actual' ? (check.ok ? 'ok' : 'bad') : '' },
        el('span', { className: 'label' }, `${check.label}: `),
        check[field],
      ),
    ),
  );
}

const STATUS_TEXT = {
  pending: '',
  running: 'running…',
  match: '✓ match',
  mismatch: '✗ mismatch',
  error: '✗ error',
};

/** One row per step: the table's words, then expected vs actual once played. */
export function scenarioRows(steps, devices, results) {
  return steps.map((step, index) => {
    const result = results[index] ?? { status: 'pending' };
    const device = step.device ? devices[step.device - 1] : null;
    return el(
      'tr',
      { dataset: { step: step.n, status: result.status } },
      el('td', { className: 'n' }, step.n),
      el(
        'td',
        {},
        step.what,
        el('div', { className: 'muted' }, device ? `${device.label} · ${device.kind}` : 'resolver'),
      ),
      el(
        'td',
        {},
        el('strong', {}, step.call),
        el('div', { className: 'mono small' }, describeRequest(step)),
      ),
      el('td', {}, step.result, result.checks && checkLines(result.checks, 'expected')),
      el(
        'td',
        {},
        result.checks && checkLines(result.checks, 'actual'),
        result.error && el('p', { className: 'error' }, result.error),
      ),
      el('td', { className: 'status' }, STATUS_TEXT[result.status]),
    );
  });
}

/** The request/response log, newest first. */
export function logEntries(entries, now) {
  return entries.map((entry) =>
    el(
      'li',
      { className: `entry ${entry.status}` },
      el(
        'div',
        { className: 'entry-head' },
        el('time', {}, formatTime(entry.at, now)),
        el('span', { className: 'source' }, entry.source),
        el('strong', {}, entry.method),
        badge(
          entry.status === 'ok'
            ? String(entry.response?.httpCode ?? 'ok')
            : entry.status === 'error'
              ? String(entry.error?.code ?? 'error')
              : entry.status,
          entry.status,
        ),
      ),
      entry.request !== undefined && logBody('request', entry.request),
      entry.response !== undefined && logBody('response', entry.response),
      entry.error !== undefined && logBody('error', describeError(entry.error)),
      entry.message !== undefined && logBody('message', entry.message.map(messagePart)),
    ),
  );
}

/** The SDK logs strings, errors and objects: each as a person would want to read it. */
function messagePart(part) {
  if (typeof part === 'string') return part;
  return part instanceof Error ? describeError(part) : compactJson(part);
}

function compactJson(value) {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function logBody(label, value) {
  const text = Array.isArray(value)
    ? value.join(' ')
    : typeof value === 'string'
      ? value
      : compactJson(value);
  return el(
    'div',
    { className: 'log-body' },
    el('span', { className: 'label' }, label),
    el('code', {}, text),
  );
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
