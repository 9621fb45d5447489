// The scenario tables of docs/strategies.md as data, so the player can replay
// them and check every row. Expectations name only what the tables state; the
// device's own `device_application_stamp` is never part of an expected identity
// set. The list of strategies comes from the bundle (IDSync.listStrategies());
// a strategy without a table here is still offered, with the forms only.

/*
 * The two simulated devices of the tables. Each has its own IndexedDB and its
 * own platform id; the best-match table's second device is an Android phone.
 */
const IPHONE = {
  key: 'device-1',
  label: 'Device 1',
  kind: 'iPhone',
  deviceIds: { ios_idfv: '9876' },
};
const ROKU_DEVICE = {
  key: 'device-2',
  label: 'Device 2',
  kind: 'Roku',
  deviceIds: { roku_aid: '8765' },
};
const ANDROID_DEVICE = {
  key: 'device-2',
  label: 'Device 2',
  kind: 'Android',
  deviceIds: { android_uuid: '8765' },
};

/** The devices of a strategy's table (an iPhone and a Roku where it has none). */
export function devicesFor(strategy) {
  return SCENARIOS[strategy]?.devices ?? [IPHONE, ROKU_DEVICE];
}

/** The identity priority a strategy's table assumes, or undefined for the resolver's default. */
export function priorityFor(strategy) {
  return SCENARIOS[strategy]?.priority;
}

/** MPIDs in order of creation, as the tables name them: 1234, 2345, 3456, ... */
export function tableMpids() {
  const named = ['1234', '2345', '3456', '4567', '5678', '6789', '7890', '8901', '9012'];
  let next = 0;
  return () => {
    const mpid = named[next] ?? String(10000 + next);
    next += 1;
    return mpid;
  };
}

const HYDE = 'ed.hyde@example.com';
const JEKYLL = 'h.jekyll.md@example.com';
const POOLE = 'poole@example.com';
const IDFV = { ios_idfv: '9876' };
const ROKU = { roku_aid: '8765' };
const ANDROID = { android_uuid: '8765' };
const HYDE_LOGIN = { customerid: 'ABC123', email: HYDE, ...IDFV };
const ROKU_LOGIN = { customerid: 'ABC123', email: JEKYLL, ...ROKU };
const KNOWN_AFTER_ROKU_LOGIN = { customerid: 'ABC123', email: JEKYLL, ...IDFV, ...ROKU };

/*
 * A step: `call` is identify | login | logout | modify (on `device`'s client),
 * feed (resolver, no Identity API call), alias (device 1 aliases `from` → `to`)
 * or process (clock +24 h, then processAliases). `expect` may hold:
 *   current    MPID of the acting device's current user afterwards
 *   known      whether that profile is known
 *   identities that profile's identities, exactly (arrays: several values of a type)
 *   fed        MPID the feed landed on
 *   profiles   { mpid: { known?, orphan?, identities?, aliasedFrom? } }
 *   count      number of profiles in the resolver
 *   httpCode   the alias answer; processed: aliases applied
 */

const isolation = [
  {
    n: '1',
    what: 'first launch',
    result: 'P1 1234 anonymous {IDFV 9876}',
    device: 1,
    call: 'identify',
    identities: IDFV,
    expect: { current: '1234', known: false, identities: IDFV, count: 1 },
  },
  {
    n: '2',
    what: 'user signs up and logs in',
    result: 'new P2 2345 known {CID, Email, IDFV}',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: {
      current: '2345',
      known: true,
      identities: HYDE_LOGIN,
      count: 2,
      profiles: { 1234: { known: false, identities: IDFV } },
    },
  },
  {
    n: '3',
    what: 'user logs out',
    result: 'back to P1 1234',
    device: 1,
    call: 'logout',
    identities: IDFV,
    expect: { current: '1234', known: false, identities: IDFV, count: 2 },
  },
  {
    n: '4',
    what: 'support e-mail from another address (feed)',
    result: 'new P3 3456 known {Email h.jekyll}',
    call: 'feed',
    identities: { email: JEKYLL },
    expect: {
      fed: '3456',
      count: 3,
      profiles: { 3456: { known: true, identities: { email: JEKYLL } } },
    },
  },
  {
    n: '5',
    what: 'returning user logs in',
    result: 'P2 2345',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: { current: '2345', known: true, identities: HYDE_LOGIN, count: 3 },
  },
  {
    n: '6',
    what: 'user changes e-mail to the support address',
    result: 'P2 has the new Email; P3 loses it: anonymous orphan',
    device: 1,
    call: 'modify',
    identities: { email: JEKYLL },
    expect: {
      current: '2345',
      identities: { customerid: 'ABC123', email: JEKYLL, ...IDFV },
      count: 3,
      profiles: { 3456: { known: false, orphan: true, identities: {} } },
    },
  },
  {
    n: '7',
    what: 'new device (Roku) launches',
    result: 'new P4 4567 anonymous {Roku 8765}',
    device: 2,
    call: 'identify',
    identities: ROKU,
    expect: { current: '4567', known: false, identities: ROKU, count: 4 },
  },
  {
    n: '8',
    what: 'new device login',
    result: 'P2 2345 {CID, Email h.jekyll, IDFV 9876, Roku 8765}',
    device: 2,
    call: 'login',
    identities: ROKU_LOGIN,
    expect: { current: '2345', known: true, identities: KNOWN_AFTER_ROKU_LOGIN, count: 4 },
  },
];

const conversion = [
  { ...isolation[0] },
  {
    n: '2',
    what: 'user signs up and logs in',
    result: 'login IDs added to P1: MPID stays 1234, now known',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: { current: '1234', known: true, identities: HYDE_LOGIN, count: 1 },
  },
  {
    n: '3',
    what: 'user logs out',
    result: 'new P2 2345 anonymous {IDFV}',
    device: 1,
    call: 'logout',
    identities: IDFV,
    expect: { current: '2345', known: false, identities: IDFV, count: 2 },
  },
  { ...isolation[3] },
  {
    n: '5',
    what: 'returning user logs in',
    result: 'P1 1234',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: { current: '1234', known: true, identities: HYDE_LOGIN, count: 3 },
  },
  {
    n: '6',
    what: 'user changes e-mail to the support address',
    result: 'P1 has the new Email; P3 orphaned',
    device: 1,
    call: 'modify',
    identities: { email: JEKYLL },
    expect: {
      current: '1234',
      identities: { customerid: 'ABC123', email: JEKYLL, ...IDFV },
      count: 3,
      profiles: { 3456: { known: false, orphan: true, identities: {} } },
    },
  },
  { ...isolation[6] },
  {
    n: '8',
    what: 'new device login',
    result: 'P1 1234 with the Roku id added',
    device: 2,
    call: 'login',
    identities: ROKU_LOGIN,
    expect: { current: '1234', known: true, identities: KNOWN_AFTER_ROKU_LOGIN, count: 4 },
  },
];

const link = [
  { ...isolation[0] },
  {
    n: '2',
    what: 'user signs up and logs in',
    result: 'new known P2 2345; P1 stays anonymous',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: {
      current: '2345',
      known: true,
      identities: HYDE_LOGIN,
      count: 2,
      profiles: { 1234: { known: false, identities: IDFV } },
    },
  },
  {
    n: '3',
    what: 'user logs out',
    result: 'new anonymous P3 3456 (every logout does)',
    device: 1,
    call: 'logout',
    identities: IDFV,
    expect: { current: '3456', known: false, identities: IDFV, count: 3 },
  },
  {
    n: '4',
    what: 'support e-mail from another address (feed)',
    result: 'new P4 4567 {Email h.jekyll}',
    call: 'feed',
    identities: { email: JEKYLL },
    expect: {
      fed: '4567',
      count: 4,
      profiles: { 4567: { known: true, identities: { email: JEKYLL } } },
    },
  },
  {
    n: '5',
    what: 'returning user logs in',
    result: 'P2 2345',
    device: 1,
    call: 'login',
    identities: HYDE_LOGIN,
    expect: { current: '2345', known: true, identities: HYDE_LOGIN, count: 4 },
  },
  {
    n: '6',
    what: 'user changes e-mail to the support address',
    result: 'P2 has the new Email; P4 orphaned',
    device: 1,
    call: 'modify',
    identities: { email: JEKYLL },
    expect: {
      current: '2345',
      identities: { customerid: 'ABC123', email: JEKYLL, ...IDFV },
      count: 4,
      profiles: { 4567: { known: false, orphan: true, identities: {} } },
    },
  },
  {
    n: '7',
    what: 'new device (Roku) launches',
    result: 'new anonymous P5 5678 {Roku 8765}',
    device: 2,
    call: 'identify',
    identities: ROKU,
    expect: { current: '5678', known: false, identities: ROKU, count: 5 },
  },
  {
    n: '8',
    what: 'new device login',
    result: 'P2 2345 with the Roku id',
    device: 2,
    call: 'login',
    identities: ROKU_LOGIN,
    expect: { current: '2345', known: true, identities: KNOWN_AFTER_ROKU_LOGIN, count: 5 },
  },
  {
    n: '9',
    what: 'the app aliases the sign-up: P1 → P2 (optional in the table)',
    result: '202 Accepted, applied after 24 h',
    device: 1,
    call: 'alias',
    from: '1234',
    to: '2345',
    expect: { httpCode: 202 },
  },
  {
    n: '10',
    what: '24 h later: the resolver applies pending aliases',
    result: "P2 2345 holds P1's data (aliased from 1234)",
    call: 'process',
    expect: { processed: 1, profiles: { 2345: { aliasedFrom: ['1234'] } } },
  },
];

const bestMatch = [
  {
    n: '1',
    what: 'first launch',
    result: 'P1 1234 {IDFV 9876}',
    device: 1,
    call: 'identify',
    identities: IDFV,
    expect: { current: '1234', identities: IDFV, count: 1 },
  },
  {
    n: '2',
    what: 'the app learns the e-mail',
    result: 'P1 1234, Email added',
    device: 1,
    call: 'identify',
    identities: { email: HYDE, ...IDFV },
    expect: { current: '1234', identities: { email: HYDE, ...IDFV }, count: 1 },
  },
  {
    n: '3',
    what: 'user changes e-mail',
    result: 'P1 1234 with Email h.jekyll',
    device: 1,
    call: 'modify',
    identities: { email: JEKYLL },
    expect: { current: '1234', identities: { email: JEKYLL, ...IDFV }, count: 1 },
  },
  {
    n: '4',
    what: 'a second person on the same device',
    result: 'IDFV matches → P1, which now holds both e-mails',
    device: 1,
    call: 'identify',
    identities: { email: POOLE, ...IDFV },
    expect: { current: '1234', identities: { email: [JEKYLL, POOLE], ...IDFV }, count: 1 },
  },
  {
    n: '5',
    what: 'second device (Android) launches',
    result: 'new P2 2345 {Android ID 8765}',
    device: 2,
    call: 'identify',
    identities: ANDROID,
    expect: { current: '2345', identities: ANDROID, count: 2 },
  },
  {
    n: '6',
    what: 'second device reports the e-mail',
    result: 'P1 1234 (e-mail outranks the device id), Android ID added',
    device: 2,
    call: 'identify',
    identities: { ...ANDROID, email: POOLE },
    expect: {
      current: '1234',
      identities: { email: [JEKYLL, POOLE], ...IDFV, ...ANDROID },
      count: 2,
    },
  },
];

export const SCENARIOS = {
  conversion: { title: 'Profile conversion', steps: conversion, devices: [IPHONE, ROKU_DEVICE] },
  link: { title: 'Profile link', steps: link, devices: [IPHONE, ROKU_DEVICE] },
  isolation: {
    title: 'Profile isolation (the seed scenario)',
    steps: isolation,
    devices: [IPHONE, ROKU_DEVICE],
  },
  'best-match': {
    title: 'Best match (with a second, Android device)',
    steps: bestMatch,
    devices: [IPHONE, ANDROID_DEVICE],
    // The table's example priority: Email > IDFV > Android ID.
    priority: ['email', 'ios_idfv', 'android_uuid'],
  },
};
