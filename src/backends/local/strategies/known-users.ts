/**
 * The matching rules shared by the strategies that have known users
 * (conversion, link, isolation; docs/strategies.md "Matching rules").
 */
import type { Identities, IdentityType, Profile } from '../../../types';
import type { LogoutChoice, Matcher, StrategyRequest } from './strategy';

/** The person ids that log a user in, and that only one profile may hold, unless configured. */
export const PERSON_LOGIN_IDS: readonly IdentityType[] = ['customerid', 'email'];

function isEmpty(identities: Identities): boolean {
  return Object.keys(identities).length === 0;
}

const isKnown = (profile: Profile) => profile.isKnown;
const isAnonymous = (profile: Profile) => !profile.isKnown;

/**
 * Rule 2: a request with login IDs is matched on them only, against known
 * profiles. Rule 3: when they match none, `newKnownUser` decides (null: a new
 * known profile). Rule 4: a request without login IDs is matched against
 * anonymous profiles only.
 */
export async function chooseByLoginIds(
  request: StrategyRequest,
  match: Matcher,
  newKnownUser: () => Promise<Profile | null> = async () => null,
): Promise<Profile | null> {
  const loginIds = match.loginIds(request.identities);
  if (isEmpty(loginIds)) return match.firstMatch(request.identities, isAnonymous);
  return (await match.firstMatch(loginIds, isKnown)) ?? newKnownUser();
}

/** A logout carries device ids only: any login IDs in it are neither matched nor added. */
export function logoutIdentities(request: StrategyRequest, match: Matcher): Identities {
  return match.withoutLoginIds(request.identities);
}

/** A logout back to the anonymous profile holding this device's ids (rule 4), or a new one. */
export async function logoutToAnonymous(
  request: StrategyRequest,
  match: Matcher,
): Promise<LogoutChoice> {
  const identities = logoutIdentities(request, match);
  return { identities, profile: await match.firstMatch(identities, isAnonymous) };
}
