/**
 * Best match (docs/strategies.md): no known users. Every request, logout
 * included, gets the profile that best matches its identities in priority
 * order, and that profile collects every value it is given.
 */
import type { Profile } from '../../../types';
import { defineStrategy, type Matcher, type StrategyRequest } from './strategy';

const anyProfile = () => true;

function bestMatch(request: StrategyRequest, match: Matcher): Promise<Profile | null> {
  return match.firstMatch(request.identities, anyProfile);
}

export const bestMatchStrategy = defineStrategy({
  name: 'best-match',
  label: 'Best match',
  defaultLoginIds: [],
  defaultUniqueIds: [],
  severalValuesPerType: true,
  aliasing: false,
  choose: bestMatch,
  logout: async (request, match) => ({
    identities: request.identities,
    profile: await bestMatch(request, match),
  }),
});
