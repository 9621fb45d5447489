import { createIdentity, LocalResolver } from '../../src';
import type { IdentityClient, Strategy } from '../../src/types';
import { fakeClock, freshDbName, spyLogger } from '../client/fake-backend';

const HOUR = 60 * 60 * 1000;

async function setup(strategy: Strategy) {
  const clock = fakeClock();
  let next = 1234;
  const resolver = new LocalResolver({
    strategy,
    dbName: false,
    now: clock.now,
    generateMpid: () => String(next++),
  });
  const client: IdentityClient = await createIdentity({
    backend: resolver,
    dbName: freshDbName(),
    logger: spyLogger(),
    now: clock.now,
    identifyOnInit: { userIdentities: { ios_idfv: '9876' } },
  });
  return { clock, resolver, client };
}

describe('profile link (docs/aliasing.md): alias the anonymous profile to the new known one', () => {
  test('nothing moves before 24 h; after, exactly the activity in range, once', async () => {
    const { clock, resolver, client } = await setup('link');
    const t0 = clock.now();
    const p1 = client.currentUser!;
    expect(p1).toMatchObject({ mpid: '1234', isLoggedIn: false, firstSeen: t0 });

    // Data on the anonymous profile: one point before this device saw it
    // (out of range), two while it was the current user here.
    await resolver.recordActivity(p1.mpid, t0 - 5000);
    clock.advance(1000);
    await resolver.recordActivity(p1.mpid);
    clock.advance(1000);
    await resolver.recordActivity(p1.mpid);
    clock.advance(1000);

    const login = await client.login({
      userIdentities: { customerid: 'ABC123', email: 'ed.hyde@example.com', ios_idfv: '9876' },
    });
    expect(login).toMatchObject({ mpid: '1235', previousMpid: '1234', userChanged: true });
    const p2 = login.user;
    // After the login: late data on P1 (out of range) and P2's own.
    clock.advance(500);
    await resolver.recordActivity(p2.mpid);
    clock.advance(500);
    await resolver.recordActivity(p1.mpid);

    const request = client.createAliasRequest(login.previousUser!, p2);
    expect(request).toEqual({
      sourceMpid: '1234',
      destinationMpid: '1235',
      startTime: t0,
      endTime: t0 + 3000,
      scope: 'mpid',
    });
    await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    expect(await client.pendingAliasCount()).toBe(0);

    clock.advance(24 * HOUR - 1); // 24 h after the alias, less 1 ms
    expect(await resolver.processAliases()).toBe(0);
    expect(await resolver.profile('1235')).toMatchObject({
      activity: [t0 + 3500],
      aliasedFrom: [],
    });

    clock.advance(1);
    expect(await resolver.processAliases()).toBe(1);
    expect(await resolver.profile('1235')).toMatchObject({
      activity: [t0 + 1000, t0 + 2000, t0 + 3500],
      aliasedFrom: ['1234'],
    });
    // The source keeps its own data; nothing is applied twice.
    expect((await resolver.profile('1234'))!.activity).toEqual([
      t0 - 5000,
      t0 + 1000,
      t0 + 2000,
      t0 + 4000,
    ]);
    expect(await resolver.processAliases()).toBe(0);
    await client.close();
    await resolver.close();
  });

  test('an MPID the service does not know: 400 from the resolver, dropped, not retried', async () => {
    const { resolver, client } = await setup('link');
    const alias = jest.spyOn(resolver, 'alias');
    const request = {
      sourceMpid: client.currentUser!.mpid,
      destinationMpid: '42',
      startTime: 0,
      endTime: 1,
    };
    await expect(client.aliasUsers(request)).rejects.toMatchObject({
      code: 'bad_request',
      httpCode: 400,
    });
    expect(await client.pendingAliasCount()).toBe(0);
    await client.flushAliases();
    expect(alias).toHaveBeenCalledTimes(1);
    await client.close();
    await resolver.close();
  });
});

describe('aliasing not provisioned: 403', () => {
  test.each(['isolation', 'best-match'] as const)(
    '%s: forbidden, dropped, not retried',
    async (strategy) => {
      const { resolver, client } = await setup(strategy);
      const p1 = client.currentUser!;
      const login = await client.login({
        userIdentities: { customerid: 'ABC123', ios_idfv: '9876' },
      });
      const alias = jest.spyOn(resolver, 'alias');
      const destination =
        strategy === 'isolation' ? login.user : await resolver.feed({ email: 'x@y.z' });
      expect(destination.mpid).not.toBe(p1.mpid);
      const request = {
        sourceMpid: p1.mpid,
        destinationMpid: destination.mpid,
        startTime: 0,
        endTime: 1,
      };
      await expect(client.aliasUsers(request)).rejects.toMatchObject({
        code: 'forbidden',
        httpCode: 403,
      });
      expect(await client.pendingAliasCount()).toBe(0);
      await client.flushAliases();
      expect(alias).toHaveBeenCalledTimes(1);
      await client.close();
      await resolver.close();
    },
  );
});
