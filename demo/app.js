// The demo page: forms that drive two simulated devices through the public API
// of idsync-web (window.IDSync only), live panels that show what the client and
// the resolver hold, and a player that replays the tables of docs/strategies.md.
import { checkStep } from './check.js';
import { describeError, el, formatTime, show } from './dom.js';
import { createLog } from './log.js';
import { logEntries, profileCards, scenarioRows, userView } from './panels.js';
import { SCENARIOS, devicesFor, tableMpids } from './scenarios.js';
import { DAY_MS, closeWorld, deleteDatabases, openWorld, worldNames } from './world.js';
import {
  COOKIE_OPTIONS,
  renderCookiePanel,
  watchCookieRefresh,
  wireCookiePanel,
} from './cookie-panel.js';

const $ = (id) => document.getElementById(id);
const STEP_PAUSE_MS = 300;
const SETTINGS_KEY = 'idsync-demo';
const DB_PREFIX = 'idsync-demo-';
const FALLBACK_TYPES = ['customerid', 'email', 'other', 'mobile_number', 'ios_idfv', 'roku_aid'];

/* ------------------------------------------------------------- settings */

/** The strategies the bundle registers (none when it did not load: the banner says why). */
function strategyChoices() {
  return window.IDSync?.listStrategies?.() ?? [];
}

// What survives a reload besides the databases; read back field by field,
// because localStorage is just another input.
const settings = loadSettings();

function loadSettings() {
  const result = {
    strategy: 'isolation',
    mode: 'local',
    http: { baseUrl: 'http://127.0.0.1:8787/v1', apiKey: 'demo-key' },
    generation: 1,
    offsets: {},
    consentFirst: false,
  };
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    return result;
  }
  if (!saved || typeof saved !== 'object') return result;
  if (strategyChoices().some(({ name }) => name === saved.strategy)) {
    result.strategy = saved.strategy;
  }
  if (saved.mode === 'local' || saved.mode === 'http') result.mode = saved.mode;
  if (typeof saved.http?.baseUrl === 'string') result.http.baseUrl = saved.http.baseUrl;
  if (typeof saved.http?.apiKey === 'string') result.http.apiKey = saved.http.apiKey;
  result.consentFirst = saved.consentFirst === true;
  if (Number.isSafeInteger(saved.generation) && saved.generation > 0) {
    result.generation = saved.generation;
  }
  for (const [prefix, offset] of Object.entries(saved.offsets ?? {})) {
    if (prefix.startsWith(DB_PREFIX) && Number.isFinite(offset)) result.offsets[prefix] = offset;
  }
  return result;
}

function saveSettings() {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Private windows may refuse storage; the page works without it.
  }
}

/* ---------------------------------------------------------------- state */

const state = {
  /** the resolver + devices the panels show (see world.js) */
  world: null,
  deviceIndex: 0,
  /** the scenario being played: { strategy, world, results: [] } */
  play: null,
  busy: false,
};

const clock = () => (state.world ? state.world.now() : Date.now());
const log = createLog(clock, scheduleRender);
const currentDevice = () => state.world?.devices[state.deviceIndex] ?? null;
const isLocal = () => state.world?.mode === 'local';

function bundleProblem() {
  const api = window.IDSync;
  if (!api) return 'dist/idsync.iife.js did not load: run `npm run build` (npm run demo does).';
  const missing = ['createIdentity', 'LocalResolver'].filter((name) => !(name in api));
  return missing.length === 0
    ? null
    : `This build of the bundle lacks ${missing.join(' and ')}: rebuild once the core has landed.`;
}

function showBanner(message) {
  $('banner').hidden = !message;
  $('banner').textContent = message ?? '';
}

/* --------------------------------------------------------------- worlds */

// Worlds open asynchronously: only the one asked for last may go on screen.
let lastWorldAsked = 0;

/** Opens a world (see world.js); null when a newer one was asked for meanwhile. */
async function openLatestWorld(options) {
  const ticket = ++lastWorldAsked;
  const world = await openWorld({ ...options, log });
  if (ticket === lastWorldAsked) return world;
  await closeWorld(world);
  if (world.temporary) await deleteDatabases(Object.values(world.names));
  return null;
}

/** Replaces the world on screen; a played scenario's databases are thrown away after. */
async function enterWorld(world) {
  const previous = state.world;
  state.world = world;
  // For people and tests alike: which kind of world the panels show.
  document.body.dataset.world = world.temporary ? 'scenario' : world.mode;
  state.deviceIndex = Math.min(state.deviceIndex, world.devices.length - 1);
  forgetAliasPicks();
  for (const device of world.devices) device.client.subscribe(scheduleRender);
  scheduleRender();
  if (previous) {
    await closeWorld(previous);
    if (previous.temporary) await deleteDatabases(Object.values(previous.names));
  }
}

function interactivePrefix() {
  const target = settings.mode === 'local' ? settings.strategy : 'http';
  return `${DB_PREFIX}g${settings.generation}-${target}`;
}

/** The world the forms play with: persistent, one per strategy (and one for HTTP). */
async function openInteractiveWorld() {
  const problem = bundleProblem();
  if (problem) {
    showBanner(problem);
    return;
  }
  const prefix = interactivePrefix();
  try {
    const world = await openLatestWorld({
      strategy: settings.strategy,
      mode: settings.mode,
      http: settings.http,
      names: worldNames(prefix, settings.strategy),
      offsetMs: settings.offsets[prefix] ?? 0,
      storage: settings.consentFirst ? 'memory' : 'indexeddb',
      cookie: COOKIE_OPTIONS,
    });
    if (!world) return;
    world.prefix = prefix;
    showBanner(null);
    await enterWorld(world);
  } catch (error) {
    showBanner(`Could not start: ${describeError(error)}`);
  }
}

/** Leftovers of played scenarios and of worlds before the last reset. */
async function deleteStaleDatabases() {
  if (typeof indexedDB.databases !== 'function') return;
  const current = `${DB_PREFIX}g${settings.generation}-`;
  const all = await indexedDB.databases().catch(() => []);
  const stale = all
    .map(({ name }) => name ?? '')
    .filter((name) => name.startsWith(DB_PREFIX) && !name.startsWith(current));
  await deleteDatabases(stale);
}

async function reset() {
  const world = state.world;
  state.world = null;
  state.play = null;
  if (world) {
    await closeWorld(world);
    await deleteDatabases(Object.values(world.names));
  }
  settings.generation += 1;
  settings.offsets = {};
  saveSettings();
  log.clear();
  await openInteractiveWorld();
  setStatus('Reset: new, empty databases.', 'ok');
}

/* -------------------------------------------------------------- actions */

function setStatus(message, kind) {
  const status = $('action-status');
  status.textContent = message;
  status.dataset.kind = kind;
}

/** Runs one user action: its outcome goes to the status line, failures also to the log. */
async function act(label, action) {
  if (state.busy || !state.world) return;
  setStatus(`${label}…`, 'pending');
  try {
    setStatus(await action(), 'ok');
  } catch (error) {
    setStatus(`${label} failed: ${describeError(error)}`, 'error');
    if (!log.shows(error)) log.note('page', 'error', [`${label} failed`, describeError(error)]);
  } finally {
    scheduleRender();
  }
}

function requireUser() {
  const user = currentDevice()?.client.currentUser;
  if (!user) throw new Error('no current user on this device yet: send an identify first');
  return user;
}

/** Resolver calls made by the page itself, logged like the SDK's requests. */
async function resolverCall(method, request, call) {
  const entry = log.request('resolver', method, request);
  try {
    const response = await call();
    entry.succeed(response);
    return response;
  } catch (error) {
    entry.fail(error);
    throw error;
  }
}

function identityTypes() {
  const types = window.IDSync?.IDENTITY_TYPES;
  return Array.isArray(types) && types.length > 0 ? types : FALLBACK_TYPES;
}

function addIdentityRow(type = 'customerid', value = '') {
  const select = el(
    'select',
    { name: 'identity-type', 'aria-label': 'identity type' },
    identityTypes().map((name) => el('option', { value: name, selected: name === type }, name)),
  );
  const input = el('input', {
    name: 'identity-value',
    'aria-label': 'identity value',
    placeholder: 'value',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  input.value = value;
  const remove = el(
    'button',
    {
      type: 'button',
      className: 'icon',
      title: 'remove this field',
      'aria-label': 'remove this field',
    },
    '×',
  );
  const row = el('div', { className: 'identity-row' }, select, input, remove);
  remove.addEventListener('click', () => row.remove());
  $('identity-rows').append(row);
}

/** The typed fields as an identity map; empty values are left out. */
function readIdentityRows() {
  const identities = {};
  for (const row of $('identity-rows').querySelectorAll('.identity-row')) {
    const type = row.querySelector('select').value;
    const value = row.querySelector('input').value;
    if (value === '') continue;
    if (Object.hasOwn(identities, type)) throw new Error(`${type} is given twice`);
    identities[type] = value;
  }
  return identities;
}

async function identityCall(call) {
  const typed = readIdentityRows();
  if (call === 'feed') {
    if (Object.keys(typed).length === 0) throw new Error('feed needs at least one identity');
    const profile = await resolverCall('feed', typed, () => state.world.resolver.feed(typed));
    return `feed: landed on profile ${profile.mpid}`;
  }
  const device = currentDevice();
  // A logout carries device ids only (docs/strategies.md): the login fields stay typed for the next login.
  const deviceTypes = new Set(window.IDSync.DEVICE_ID_TYPES ?? []);
  const sent = call === 'logout' ? pickTypes(typed, (type) => deviceTypes.has(type)) : typed;
  const left = Object.keys(typed).filter((type) => !(type in sent));
  const withDeviceId = call !== 'modify' && $('send-device-id').checked;
  const userIdentities = withDeviceId ? { ...device.deviceIds, ...sent } : sent;
  const result = await device.client[call]({ userIdentities });
  const change = result.userChanged ? `now ${result.mpid}` : `still ${result.mpid}`;
  const note = left.length ? ` (${left.join(', ')} not sent: logout carries device ids only)` : '';
  return `${call}: HTTP ${result.httpCode}, current user ${change}${note}`;
}

function pickTypes(identities, keep) {
  return Object.fromEntries(Object.entries(identities).filter(([type]) => keep(type)));
}

function attributeValue(kind, raw) {
  switch (kind) {
    case 'number': {
      const number = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(number)) throw new Error(`${raw} is not a number`);
      return number;
    }
    case 'boolean':
      if (!/^(true|false)$/i.test(raw.trim())) throw new Error('type true or false');
      return raw.trim().toLowerCase() === 'true';
    case 'null':
      return null;
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    default:
      return raw;
  }
}

async function attributeAction(form, what) {
  const user = requireUser();
  const key = form.elements.key.value;
  if (what === 'remove') {
    await user.removeAttribute(key);
    return `attribute ${key} removed from ${user.mpid}`;
  }
  const value = attributeValue(form.elements.kind.value, form.elements.value.value);
  await user.setAttribute(key, value);
  return `attribute ${key} set on ${user.mpid}`;
}

async function consentAction(form) {
  const user = requireUser();
  const fields = form.elements;
  const decision = { consented: fields.consented.value === 'true', timestamp: clock() };
  if (fields.document.value) decision.document = fields.document.value;
  if (fields.location.value) decision.location = fields.location.value;
  const next = { ...user.consent };
  if (fields.regulation.value === 'ccpa') {
    next.ccpa = { data_sale_opt_out: decision };
  } else {
    const purpose = fields.purpose.value;
    if (purpose.trim() === '') throw new Error('a GDPR decision needs a purpose');
    // defineProperty: a purpose is data, even one spelt __proto__ (the SDK then rejects it).
    const gdpr = { ...user.consent.gdpr };
    Object.defineProperty(gdpr, purpose, { value: decision, enumerable: true, writable: true });
    next.gdpr = gdpr;
  }
  await user.setConsent(next);
  return `consent set on ${user.mpid}`;
}

async function aliasAction(form) {
  const client = currentDevice().client;
  const source = client.getUser(form.elements.from.value);
  const destination = client.getUser(form.elements.to.value);
  if (!source || !destination) throw new Error('pick two users this device has seen');
  const request = client.createAliasRequest(source, destination);
  const result = await client.aliasUsers(request);
  return `alias ${source.mpid} → ${destination.mpid}: HTTP ${result.httpCode}, applied after 24 h`;
}

function advanceClock() {
  state.world.offsetMs += DAY_MS;
  if (state.world.prefix) {
    settings.offsets[state.world.prefix] = state.world.offsetMs;
    saveSettings();
  }
  renderClock();
  return 'clock advanced by 24 h';
}

async function processAliases() {
  const count = await resolverCall('processAliases', undefined, () =>
    state.world.resolver.processAliases(),
  );
  return `${count} alias request${count === 1 ? '' : 's'} applied`;
}

/** A data point on the current user's profile: what an applied alias moves. */
async function recordActivity() {
  const { mpid } = requireUser();
  await resolverCall('recordActivity', { mpid }, () => state.world.resolver.recordActivity(mpid));
  return `data point recorded on ${mpid}`;
}

/** Retries what the outbox holds now, backoff ignored. */
async function flushOutbox() {
  const client = currentDevice().client;
  await client.flushAliases();
  const waiting = await client.pendingAliasCount();
  return `outbox sent: ${waiting} alias request${waiting === 1 ? '' : 's'} still waiting`;
}

/* -------------------------------------------------------------- scenario */

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Fresh databases and predictable MPIDs, so the table's MPIDs can be checked as printed. */
async function startPlay(play) {
  const prefix = `${DB_PREFIX}play-${Date.now().toString(36)}`;
  play.world = await openLatestWorld({
    strategy: play.strategy,
    mode: 'local',
    names: worldNames(prefix, play.strategy),
    generateMpid: tableMpids(),
    temporary: true,
  });
  if (!play.world) throw new Error('another world was opened meanwhile');
  log.clear();
  await enterWorld(play.world);
}

async function observe(world, step) {
  const device = step.device ? world.devices[step.device - 1] : null;
  const observed = {};
  switch (step.call) {
    case 'feed':
      observed.fed = (
        await resolverCall('feed', step.identities, () => world.resolver.feed(step.identities))
      ).mpid;
      break;
    case 'alias': {
      const client = device.client;
      const request = client.createAliasRequest(client.getUser(step.from), client.getUser(step.to));
      observed.httpCode = (await client.aliasUsers(request)).httpCode;
      break;
    }
    case 'process':
      // A second past the delay: the alias was accepted a moment ago in real time.
      world.offsetMs += DAY_MS + 1000;
      observed.processed = await resolverCall('processAliases', undefined, () =>
        world.resolver.processAliases(),
      );
      break;
    default:
      await device.client[step.call]({ userIdentities: { ...step.identities } });
  }
  observed.current = device?.client.currentUser?.mpid ?? null;
  observed.profiles = await world.resolver.profiles();
  return observed;
}

async function playNextStep(play) {
  const step = SCENARIOS[play.strategy]?.steps[play.results.length];
  if (!step) return false;
  if (step.device) state.deviceIndex = step.device - 1;
  const result = { status: 'running' };
  play.results.push(result);
  scheduleRender();
  try {
    const observed = await observe(play.world, step);
    result.checks = checkStep(step.expect, observed);
    result.status = result.checks.every((check) => check.ok) ? 'match' : 'mismatch';
  } catch (error) {
    Object.assign(result, { status: 'error', error: describeError(error) });
  }
  scheduleRender();
  return true;
}

/** `all`: the whole table on fresh databases; otherwise the next step (starting one if needed). */
async function playScenario(all) {
  if (state.busy || bundleProblem() || !isLocal() || !SCENARIOS[settings.strategy]) return;
  const previous = state.play;
  const resumable =
    !all &&
    previous?.world === state.world &&
    previous.strategy === settings.strategy &&
    previous.results.length < SCENARIOS[previous.strategy].steps.length;
  const play = resumable ? previous : { strategy: settings.strategy, world: null, results: [] };
  state.play = play;
  state.busy = true;
  // At once, not on the next render: nothing may still read as the last play's result.
  renderControls();
  renderScenario();
  try {
    if (!play.world) await startPlay(play);
    while ((await playNextStep(play)) && all) await sleep(STEP_PAUSE_MS);
  } catch (error) {
    showBanner(`Scenario stopped: ${describeError(error)}`);
  } finally {
    state.busy = false;
    scheduleRender();
  }
}

/* ------------------------------------------------------------ rendering */

let renderQueued = false;
let renderCount = 0;

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    void render();
  }, 0);
}

async function render() {
  const token = ++renderCount;
  renderControls();
  renderClock();
  renderUser();
  renderLifecycle();
  renderAliasPickers();
  renderScenario();
  renderLog();
  renderCookie();
  const [profiles, outbox] = await Promise.all([readProfiles(), readOutbox()]);
  if (token !== renderCount) return; // a newer render is on its way
  renderProfiles(profiles);
  renderOutbox(outbox);
}

function renderControls() {
  const devices = devicesFor(settings.strategy);
  const picker = $('device-picker');
  const legend = picker.querySelector('legend');
  show(
    picker,
    legend,
    devices.map((device, index) =>
      el(
        'label',
        {},
        el('input', {
          type: 'radio',
          name: 'device',
          value: String(index),
          checked: index === state.deviceIndex,
          disabled: state.busy,
          onchange: () => {
            state.deviceIndex = index;
            forgetAliasPicks();
            scheduleRender();
          },
        }),
        ` ${device.label} `,
        el('span', { className: 'muted' }, device.kind),
      ),
    ),
  );
  const device = devices[state.deviceIndex];
  $('acting-device').textContent = `${device.label} (${device.kind})`;
  const ids = Object.entries(device.deviceIds).map(([type, value]) => `${type} ${value}`);
  $('device-id-label').textContent = ids.join(', ');
  const local = isLocal();
  for (const button of document.querySelectorAll('.actions button')) {
    button.disabled = state.busy || !state.world || (!local && 'localOnly' in button.dataset);
  }
  // A play owns the world until it ends: nothing may swap it underneath.
  $('strategy').disabled = state.busy;
  $('reset').disabled = state.busy;
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.disabled = state.busy;
  $('http-settings').querySelector('button').disabled = state.busy;
  const canPlay = !state.busy && !bundleProblem() && local && Boolean(SCENARIOS[settings.strategy]);
  $('play').disabled = !canPlay;
  $('next-step').disabled = !canPlay;
  $('play').title = local ? '' : 'Scenarios run on the in-page resolver';
  document.body.dataset.busy = String(state.busy);
}

function renderClock() {
  const now = clock();
  const days = Math.round((state.world?.offsetMs ?? 0) / DAY_MS);
  $('clock').textContent = formatTime(now, Date.now()) + (days ? ` (+${days * 24} h)` : '');
}

function renderUser() {
  const device = currentDevice();
  $('user-device').textContent = device ? `on ${device.label}` : '';
  const user = device?.client.currentUser;
  if (!user) {
    show(
      $('user'),
      el('p', { className: 'empty' }, 'No current user on this device yet: send an identify.'),
    );
    return;
  }
  const onRemoveIdentity = (type) =>
    act(`modify (remove ${type})`, async () => {
      await device.client.modify({ userIdentities: { [type]: null } });
      return `${type} removed from ${user.mpid}`;
    });
  show($('user'), userView(user, { now: clock(), onRemoveIdentity }));
}

function renderAliasPickers() {
  const form = $('alias-form');
  const users = currentDevice()?.client.getUsers() ?? [];
  for (const [name, fallback] of [
    ['from', 1],
    ['to', 0],
  ]) {
    const select = form.elements[name];
    // Keep what the user picked; until then follow the newest users.
    const chosen = select.dataset.touched ? select.value : '';
    show(
      select,
      users.map((user, index) =>
        el(
          'option',
          {
            value: user.mpid,
            selected: chosen ? user.mpid === chosen : index === fallback,
          },
          `${user.mpid} (${user.isLoggedIn ? 'known' : 'anonymous'})`,
        ),
      ),
    );
  }
}

/** Another device or world has other users: the pickers follow the newest again. */
function forgetAliasPicks() {
  for (const select of $('alias-form').querySelectorAll('select')) delete select.dataset.touched;
}

async function readProfiles() {
  if (!isLocal()) return null;
  try {
    return await state.world.resolver.profiles();
  } catch (error) {
    return { error: describeError(error) };
  }
}

function renderProfiles(profiles) {
  const container = $('profiles');
  const say = (text, className = 'empty') => show(container, el('p', { className }, text));
  if (!state.world) return say('—');
  if (profiles === null) return say('The profiles live on the server; the page cannot list them.');
  if (profiles.error) return say(profiles.error, 'error');
  if (profiles.length === 0) return say('none yet');
  const shownMpid = currentDevice()?.client.currentUser?.mpid;
  show(
    container,
    profileCards(profiles, { devices: state.world.devices, shownMpid, now: clock() }),
  );
}

/** The outbox arrives with a later client: shown when `pendingAliasCount` exists. */
async function readOutbox() {
  const client = currentDevice()?.client;
  if (typeof client?.pendingAliasCount !== 'function') return null;
  try {
    return await client.pendingAliasCount();
  } catch (error) {
    return { error: describeError(error) };
  }
}

function renderOutbox(outbox) {
  const node = $('outbox');
  const canFlush = typeof currentDevice()?.client.flushAliases === 'function';
  $('flush-outbox').hidden = !(canFlush && typeof outbox === 'number' && outbox > 0);
  if (outbox === null) {
    node.textContent = '—';
    node.title = 'this build of the client has no alias outbox';
  } else if (typeof outbox === 'number') {
    node.textContent = `${outbox} alias request${outbox === 1 ? '' : 's'} waiting to be sent`;
    node.title = '';
  } else {
    node.textContent = outbox.error;
  }
}

function renderScenario() {
  const scenario = SCENARIOS[settings.strategy];
  const summary = $('scenario-summary');
  if (!scenario) {
    $('scenario-title').textContent = 'Scenario';
    show($('scenario').tBodies[0], []);
    Object.assign(summary.dataset, { kind: '', state: 'idle' });
    summary.textContent =
      'docs/strategies.md has no table for this strategy: try it with the forms.';
    return;
  }
  const play = state.play?.strategy === settings.strategy ? state.play : null;
  const devices = devicesFor(settings.strategy);
  $('scenario-title').textContent = `Scenario: ${scenario.title}`;
  show($('scenario').tBodies[0], scenarioRows(scenario.steps, devices, play?.results ?? []));

  const done = play?.results.filter((r) => r.status !== 'running') ?? [];
  if (!play) {
    summary.dataset.kind = '';
    summary.dataset.state = 'idle';
    summary.textContent = isLocal()
      ? 'Replays the table of docs/strategies.md on fresh databases, MPIDs 1234, 2345, … in order of creation as the tables name them.'
      : 'Scenarios run on the in-page resolver: switch the backend to play one.';
    return;
  }
  const matching = done.filter((r) => r.status === 'match').length;
  const finished = done.length === scenario.steps.length;
  summary.dataset.kind = matching < done.length ? 'bad' : finished ? 'ok' : '';
  summary.dataset.state = finished ? 'done' : 'playing';
  summary.textContent = `${matching} of ${scenario.steps.length} steps match${
    finished ? '' : ` (${done.length} played)`
  }. The panels show the scenario's world: carry on from here with the forms.`;
}

function renderLog() {
  show($('log'), logEntries(log.entries, clock()));
}

/* -------------------------------------------------------- identity cookie */

/** The panel shows the interactive world's first device, the one with the cookie option. */
function renderCookie() {
  const world = state.world;
  renderCookiePanel($('cookie'), world && !world.temporary ? world.devices[0] : null);
}

/**
 * Safari's 7-day wipe: device 1's IndexedDB deleted with the cookie left; its
 * client starts again from the cookie (same device id and user, no request).
 */
async function wipeLikeSafari() {
  const world = state.world;
  if (!world || world.temporary) return 'only the interactive world has the cookie';
  const device = world.devices[0];
  const before = { deviceId: device.client.deviceId, mpid: device.client.currentUser?.mpid };
  const logged = log.entries.length;
  state.world = null;
  await closeWorld(world);
  await deleteDatabases([world.names[device.key]]);
  await openInteractiveWorld();
  const after = state.world?.devices[0]?.client;
  // The log is newest first: what start-up added is at its head.
  const added = log.entries.slice(0, log.entries.length - logged);
  const sent = added.filter((entry) => 'request' in entry).length;
  return (
    `IndexedDB of ${device.label} deleted; restored from the cookie: device ` +
    `${after?.deviceId === before.deviceId ? 'same' : 'NEW'}, user ${after?.currentUser?.mpid ?? 'none'}` +
    ` (was ${before.mpid ?? 'none'}), ${sent} request(s)`
  );
}

/* ---------------------------------------------------------------- wiring */

/* ------------------------------------------------------------ lifecycle */

// reset(), persist() and incrementAttribute (README, "The user's lifecycle").

function renderLifecycle() {
  $('consent-first').checked = settings.consentFirst;
  $('consent-first').disabled = state.busy;
  const storage = currentDevice()?.client.storage ?? '?';
  $('device-storage').textContent = storage;
  $('accept-consent').disabled = state.busy || storage !== 'memory';
}

async function resetDevice(newDeviceId) {
  const device = currentDevice();
  await device.client.reset({ deviceId: newDeviceId });
  return newDeviceId
    ? `${device.label}: every user forgotten, new device id ${device.client.deviceId}`
    : `${device.label}: every user forgotten (device id kept)`;
}

async function countVisit() {
  const visits = await requireUser().incrementAttribute('visits');
  return `visits is now ${visits}`;
}

async function acceptConsent() {
  const device = currentDevice();
  await device.client.persist();
  return `${device.label} now keeps its state in ${device.client.storage}`;
}

function wireLifecycle() {
  $('consent-first').addEventListener('change', async (event) => {
    settings.consentFirst = event.target.checked;
    saveSettings();
    // A new generation: fresh databases, so "consent first" really starts from nothing stored.
    await reset();
  });
  $('accept-consent').addEventListener('click', () => act('persist', acceptConsent));
  $('count-visit').addEventListener('click', () => act('+1 visits', countVisit));
  $('reset-device').addEventListener('click', () => act('reset', () => resetDevice(false)));
  $('reset-device-id').addEventListener('click', () =>
    act('reset (new device id)', () => resetDevice(true)),
  );
}

function wire() {
  const strategy = $('strategy');
  show(
    strategy,
    strategyChoices().map(({ name, label }) =>
      el('option', { value: name, selected: name === settings.strategy }, label),
    ),
  );
  strategy.addEventListener('change', async () => {
    settings.strategy = strategy.value;
    saveSettings();
    state.play = null;
    // Until the new strategy's world is on screen, a click would act on the old one.
    document.body.dataset.world = 'opening';
    await openInteractiveWorld();
  });

  for (const radio of document.querySelectorAll('input[name=mode]')) {
    radio.checked = radio.value === settings.mode;
    radio.addEventListener('change', async () => {
      if (radio.value === 'http' && !window.IDSync?.HttpBackend) {
        showBanner('This build of the bundle has no HttpBackend yet.');
        document.querySelector('input[name=mode][value=local]').checked = true;
        return;
      }
      settings.mode = radio.value;
      saveSettings();
      $('http-settings').hidden = settings.mode !== 'http';
      await openInteractiveWorld();
    });
  }
  const http = $('http-settings');
  http.hidden = settings.mode !== 'http';
  http.elements.baseUrl.value = settings.http.baseUrl;
  http.elements.apiKey.value = settings.http.apiKey;
  http.addEventListener('submit', async (event) => {
    event.preventDefault();
    settings.http = { baseUrl: http.elements.baseUrl.value, apiKey: http.elements.apiKey.value };
    saveSettings();
    await openInteractiveWorld();
  });

  $('reset').addEventListener('click', () => void reset());
  $('add-identity').addEventListener('click', () => addIdentityRow('other'));
  addIdentityRow('customerid');
  addIdentityRow('email');

  const onSubmit = (id, handler) =>
    $(id).addEventListener('submit', (event) => {
      event.preventDefault();
      void handler(event.currentTarget, event.submitter?.value);
    });
  onSubmit('identity-form', (_form, call = 'identify') => act(call, () => identityCall(call)));
  onSubmit('attribute-form', (form, what = 'set') =>
    act(`${what} attribute`, () => attributeAction(form, what)),
  );
  onSubmit('consent-form', (form) => act('set consent', () => consentAction(form)));
  onSubmit('alias-form', (form) => act('alias', () => aliasAction(form)));
  for (const select of $('alias-form').querySelectorAll('select')) {
    select.addEventListener('change', () => (select.dataset.touched = 'yes'));
  }
  $('consent-form').elements.regulation.addEventListener('change', (event) => {
    $('consent-form').elements.purpose.disabled = event.target.value === 'ccpa';
  });
  $('advance-clock').addEventListener('click', () => act('advance clock', advanceClock));
  $('process-aliases').addEventListener('click', () => act('process aliases', processAliases));
  $('record-activity').addEventListener('click', () => act('record activity', recordActivity));
  $('flush-outbox').addEventListener('click', () => act('send outbox', flushOutbox));
  $('play').addEventListener('click', () => void playScenario(true));
  $('next-step').addEventListener('click', () => void playScenario(false));
  $('clear-log').addEventListener('click', () => log.clear());
  wireLifecycle();
  wireCookiePanel($('wipe-idb'), () => act('wipe IndexedDB', wipeLikeSafari));
  watchCookieRefresh(scheduleRender);
  setInterval(renderClock, 1000);
  // An outbox sends in the background, with no event to tell: look again now and then.
  setInterval(async () => renderOutbox(await readOutbox()), 2000);
}

wire();
scheduleRender();
await deleteStaleDatabases();
await openInteractiveWorld();
