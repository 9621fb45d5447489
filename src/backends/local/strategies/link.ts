/**
 * Profile link (docs/strategies.md): signing up makes a new known profile
 * and leaves the anonymous one as it was; the app may alias the anonymous
 * profile's data to the known one (docs/aliasing.md). Every logout starts afresh.
 */
import { chooseByLoginIds, logoutIdentities, PERSON_LOGIN_IDS } from './known-users';
import { defineStrategy } from './strategy';

export const link = defineStrategy({
  name: 'link',
  label: 'Profile link',
  defaultLoginIds: PERSON_LOGIN_IDS,
  defaultUniqueIds: PERSON_LOGIN_IDS,
  severalValuesPerType: false,
  aliasing: true,
  choose: (request, match) => chooseByLoginIds(request, match),
  logout: async (request, match) => ({
    identities: logoutIdentities(request, match),
    profile: null,
  }),
});
