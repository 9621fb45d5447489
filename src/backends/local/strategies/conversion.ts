/**
 * Profile conversion, the default (docs/strategies.md): a user who signs up
 * keeps the anonymous profile they browsed with; it becomes known in place.
 */
import { chooseByLoginIds, logoutToAnonymous, PERSON_LOGIN_IDS } from './known-users';
import { defineStrategy } from './strategy';

export const conversion = defineStrategy({
  name: 'conversion',
  label: 'Profile conversion',
  defaultLoginIds: PERSON_LOGIN_IDS,
  defaultUniqueIds: PERSON_LOGIN_IDS,
  severalValuesPerType: false,
  aliasing: true,
  choose: (request, match) =>
    chooseByLoginIds(request, match, async () => {
      // Rule 3: new login IDs convert the device's current profile, when it is
      // anonymous. A known one is someone else on this device; a feed has no device.
      if (request.kind === 'feed' || request.previousMpid === null) return null;
      const current = await match.byMpid(request.previousMpid);
      return current && !current.isKnown ? current : null;
    }),
  logout: logoutToAnonymous,
});
