/**
 * Profile isolation (docs/strategies.md): known and anonymous data never
 * mix. Signing up makes a new known profile; logging out returns to the
 * anonymous profile this device had. No aliasing.
 */
import { chooseByLoginIds, logoutToAnonymous, PERSON_LOGIN_IDS } from './known-users';
import { defineStrategy } from './strategy';

export const isolation = defineStrategy({
  name: 'isolation',
  label: 'Profile isolation',
  defaultLoginIds: PERSON_LOGIN_IDS,
  defaultUniqueIds: PERSON_LOGIN_IDS,
  severalValuesPerType: false,
  aliasing: false,
  choose: (request, match) => chooseByLoginIds(request, match),
  logout: logoutToAnonymous,
});
