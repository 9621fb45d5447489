/**
 * What an identity strategy is (docs/strategies.md): everything that differs
 * between conversion, link, isolation and best match, as one object. The
 * resolver core (../resolver-core.ts) does the rest the same way for all of
 * them: reads and writes through the store, moves unique values, orphans.
 */
import type { Identities, IdentityType, Profile } from '../../../types';

/** A request as a strategy sees it: its identities and the device's current MPID. */
export interface StrategyRequest {
  /** `feed`: data arriving outside the Identity API (no device, no current user) */
  kind: 'identify' | 'login' | 'logout' | 'feed';
  identities: Identities;
  previousMpid: string | null;
}

/**
 * The lookups the core offers a strategy, under the resolver's configured
 * login IDs and priority. Profiles come from the decision's draft: a strategy
 * reads them and never writes; the core adds the identities afterwards.
 */
export interface Matcher {
  /**
   * Rules 2 and 4: the first identity type, in priority order, whose value
   * in `identities` is held by a profile that `accept`s; where several do,
   * the one seen most recently. `null` when none does.
   */
  firstMatch(
    identities: Identities,
    accept: (profile: Profile) => boolean,
  ): Promise<Profile | null>;
  byMpid(mpid: string): Promise<Profile | null>;
  /** the login IDs among `identities` */
  loginIds(identities: Identities): Identities;
  /** `identities` without its login IDs (what a logout keeps) */
  withoutLoginIds(identities: Identities): Identities;
}

/** Where a logout lands, and the identities it gives that profile. */
export interface LogoutChoice {
  /** `null`: a new anonymous profile */
  profile: Profile | null;
  identities: Identities;
}

export interface IdentityStrategy<Name extends string = string> {
  /** what `LocalResolver({ strategy })` and `--strategy` take */
  readonly name: Name;
  /** how the demo and docs name it */
  readonly label: string;
  /** login IDs when the resolver is given none (none: nothing ever makes a profile known) */
  readonly defaultLoginIds: readonly IdentityType[];
  /** unique IDs when the resolver is given none */
  readonly defaultUniqueIds: readonly IdentityType[];
  /** a profile keeps every value of a type it is given, and all of them match */
  readonly severalValuesPerType: boolean;
  /** alias requests are accepted (202); otherwise refused with 403 */
  readonly aliasing: boolean;
  /** identify, login and feed: the profile that answers, `null` to create one */
  choose(request: StrategyRequest, match: Matcher): Promise<Profile | null>;
  /** logout: what it returns to */
  logout(request: StrategyRequest, match: Matcher): Promise<LogoutChoice>;
}

/** Keeps a strategy's name as a literal type, so the registry can derive the `Strategy` union. */
export function defineStrategy<const Name extends string>(
  strategy: IdentityStrategy<Name>,
): IdentityStrategy<Name> {
  return strategy;
}
