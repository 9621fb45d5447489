/**
 * README's aliasing recipe, run for real: under profile link, the
 * onUserAlias hook aliases the anonymous user to the new known one while the
 * login that made the change waits for it.
 */
import { createIdentity, IdentityError, LocalResolver } from '../../src';
import type { IdentityClient } from '../../src';

const DAY = 24 * 60 * 60 * 1000;

test('the onUserAlias hook sends anonymous → known aliases; the resolver applies them after 24 h', async () => {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  let next = 0;
  const resolver = new LocalResolver({
    strategy: 'link',
    dbName: false,
    now,
    generateMpid: () => String(1234 + 1111 * next++),
  });
  const hookErrors: unknown[] = [];
  // The hook refers to the client it belongs to, as README's recipe does.
  const idsync: IdentityClient = await createIdentity({
    backend: resolver,
    dbName: 'readme-alias-hook',
    now,
    copyOnUserChange: { attributes: true, consent: true },
    onUserAlias: async (previous, nextUser) => {
      if (previous.isLoggedIn || !nextUser.isLoggedIn) return;
      try {
        await idsync.aliasUsers(idsync.createAliasRequest(previous, nextUser));
      } catch (error) {
        if (error instanceof IdentityError) hookErrors.push(error);
      }
    },
  });
  const anonymous = idsync.currentUser!;
  expect(anonymous.mpid).toBe('1234');
  await anonymous.setAttribute('theme', 'dark');
  await resolver.recordActivity('1234', clock + 1000); // inside its time as current user

  clock += 60_000;
  const result = await idsync.login({ userIdentities: { customerid: 'ABC123' } });
  expect(result).toMatchObject({ mpid: '2345', userChanged: true });
  expect(hookErrors).toEqual([]);
  expect(await idsync.pendingAliasCount()).toBe(0);
  // What an alias does not copy, the SDK did: the attribute is on the new user.
  expect(idsync.currentUser!.attributes).toEqual({ theme: 'dark' });

  expect(await resolver.processAliases()).toBe(0);
  clock += DAY;
  expect(await resolver.processAliases()).toBe(1);
  const known = await resolver.profile('2345');
  expect(known?.aliasedFrom).toEqual(['1234']);
  expect(known?.activity).toEqual([1_800_000_000_000 + 1000]);

  // Logging out and in again is known → anonymous → known: one more alias
  // only for the anonymous → known step, none for known → anonymous.
  await idsync.logout();
  await idsync.login({ userIdentities: { customerid: 'ABC123' } });
  clock += DAY;
  expect(await resolver.processAliases()).toBe(1);
  expect((await resolver.profile('2345'))?.aliasedFrom).toEqual(['1234', '3456']);
  await idsync.close();
  await resolver.close();
});
