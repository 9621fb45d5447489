// Compares what a scenario step expects (scenarios.js) with what the client
// and the resolver show afterwards. Pure functions: easy to read, easy to test.

/** The SDK's own device id: on every request, never part of a table's expectation. */
export const OWN_DEVICE_ID = 'device_application_stamp';

/**
 * type → sorted values of a profile (or an expectation), merging best match's
 * `additionalIdentities`, without the SDK's own device id.
 */
export function identitySet(identities = {}, additional = {}) {
  const set = {};
  const add = (type, value) => {
    if (type === OWN_DEVICE_ID || value === undefined || value === null) return;
    set[type] = [...new Set([...(set[type] ?? []), value])].sort();
  };
  for (const [type, value] of Object.entries(identities)) {
    for (const one of Array.isArray(value) ? value : [value]) add(type, one);
  }
  for (const [type, values] of Object.entries(additional ?? {})) {
    for (const one of values ?? []) add(type, one);
  }
  return set;
}

/** `{customerid ABC123, email a@b, email c@d}`: types in a stable order. */
export function describeIdentitySet(set) {
  const parts = Object.keys(set)
    .sort()
    .flatMap((type) => set[type].map((value) => `${type} ${value}`));
  return `{${parts.join(', ')}}`;
}

const sameSet = (a, b) => describeIdentitySet(a) === describeIdentitySet(b);

const profileSet = (profile) => identitySet(profile.identities, profile.additionalIdentities);
const knownWord = (known) => (known ? 'known' : 'anonymous');

/**
 * One line per expectation: `{ label, expected, actual, ok }`.
 * `observed`: { current: mpid | null, profiles: Profile[], fed?, httpCode?, processed? }.
 */
export function checkStep(expect, observed) {
  const checks = [];
  const check = (label, expected, actual, ok = expected === actual) =>
    checks.push({ label, expected: String(expected), actual: String(actual), ok });
  const byMpid = new Map(observed.profiles.map((profile) => [profile.mpid, profile]));

  if ('current' in expect) check('current user', expect.current, observed.current ?? 'none');
  const subject = byMpid.get(expect.current ?? expect.fed ?? '');
  if ('known' in expect) {
    check('profile', knownWord(expect.known), subject ? knownWord(subject.isKnown) : 'missing');
  }
  if ('identities' in expect) {
    const want = identitySet(expect.identities);
    const got = subject ? profileSet(subject) : null;
    check(
      'identities',
      describeIdentitySet(want),
      got ? describeIdentitySet(got) : 'missing',
      got !== null && sameSet(want, got),
    );
  }
  if ('fed' in expect) check('feed landed on', expect.fed, observed.fed ?? 'none');
  if ('httpCode' in expect) check('alias answer', expect.httpCode, observed.httpCode ?? 'none');
  if ('processed' in expect) check('aliases applied', expect.processed, observed.processed);
  for (const [mpid, want] of Object.entries(expect.profiles ?? {})) {
    const profile = byMpid.get(mpid);
    if (!profile) {
      check(`profile ${mpid}`, 'exists', 'missing');
      continue;
    }
    if ('known' in want) check(`${mpid}`, knownWord(want.known), knownWord(profile.isKnown));
    if ('orphan' in want) {
      const orphan = typeof profile.orphanedAt === 'number';
      check(`${mpid}`, want.orphan ? 'orphan' : 'not orphan', orphan ? 'orphan' : 'not orphan');
    }
    if ('identities' in want) {
      const wantSet = identitySet(want.identities);
      const got = profileSet(profile);
      check(
        `${mpid}`,
        describeIdentitySet(wantSet),
        describeIdentitySet(got),
        sameSet(wantSet, got),
      );
    }
    if ('aliasedFrom' in want) {
      const got = profile.aliasedFrom ?? [];
      check(
        `${mpid} aliased from`,
        want.aliasedFrom.join(', '),
        got.join(', ') || 'nothing',
        want.aliasedFrom.every((source) => got.includes(source)),
      );
    }
  }
  if ('count' in expect) check('profiles', expect.count, observed.profiles.length);
  return checks;
}
