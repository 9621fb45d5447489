import { createIdentity } from '../../src';
import type { IdentityOptions, User, UserChangeEvent } from '../../src/types';
import {
  createFakeBackend,
  fakeClock,
  freshDbName,
  spyLogger,
  type FakeBackend,
} from './fake-backend';

async function start(
  more: Partial<IdentityOptions> = {},
  backend: FakeBackend = createFakeBackend(),
) {
  const logger = spyLogger();
  const clock = fakeClock();
  const client = await createIdentity({
    backend,
    dbName: freshDbName(),
    logger,
    now: clock.now,
    ...more,
  });
  return { client, backend, logger, clock };
}

const decision = (consented: boolean, timestamp: number) => ({ consented, timestamp });

describe('copy on user change', () => {
  /**
   * Seeds two users with a client that copies nothing (anonymous A current,
   * known K seen before), then reopens the same database with the option
   * under test and logs K in from A.
   */
  async function seedTwoUsers(
    seedA: (a: User) => Promise<void>,
    seedK: (k: User) => Promise<void>,
  ): Promise<{ dbName: string; backend: FakeBackend }> {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const { client } = await start({ dbName }, backend);
    await client.login({ userIdentities: { customerid: 'K' } });
    await seedK(client.currentUser!);
    await client.logout();
    await seedA(client.currentUser!);
    await client.close();
    return { dbName, backend };
  }

  async function anonymousThenLogin(copyOnUserChange: IdentityOptions['copyOnUserChange']) {
    const { dbName, backend } = await seedTwoUsers(
      async (a) => {
        await a.setAttributes({ cart: 3, shared: 'from anonymous' });
        await a.setConsent({
          gdpr: { analytics: decision(true, 1), ads: decision(false, 1) },
          ccpa: { data_sale_opt_out: decision(true, 1) },
        });
      },
      async (k) => {
        await k.setAttributes({ shared: 'from known', own: true });
        await k.setConsent({ gdpr: { analytics: decision(false, 2), email: decision(true, 2) } });
      },
    );
    const { client } = await start({ dbName, copyOnUserChange }, backend);
    const result = await client.login({ userIdentities: { customerid: 'K' } });
    expect(result.userChanged).toBe(true);
    await client.close();
    return result;
  }

  test('off by default: nothing is copied', async () => {
    const result = await anonymousThenLogin(undefined);
    expect(result.user.attributes).toEqual({ shared: 'from known', own: true });
    expect(result.user.consent).toEqual({
      gdpr: { analytics: decision(false, 2), email: decision(true, 2) },
    });
  });

  test('attributes only: previous wins, consent untouched', async () => {
    const result = await anonymousThenLogin({ attributes: true });
    expect(result.user.attributes).toEqual({ cart: 3, shared: 'from anonymous', own: true });
    expect(result.user.consent).toEqual({
      gdpr: { analytics: decision(false, 2), email: decision(true, 2) },
    });
  });

  test('consent only: gdpr merged per purpose (previous wins), ccpa from previous', async () => {
    const result = await anonymousThenLogin({ consent: true });
    expect(result.user.attributes).toEqual({ shared: 'from known', own: true });
    expect(result.user.consent).toEqual({
      gdpr: { analytics: decision(true, 1), ads: decision(false, 1), email: decision(true, 2) },
      ccpa: { data_sale_opt_out: decision(true, 1) },
    });
  });

  test('both', async () => {
    const result = await anonymousThenLogin({ attributes: true, consent: true });
    expect(result.user.attributes).toEqual({ cart: 3, shared: 'from anonymous', own: true });
    expect(result.user.consent.ccpa).toEqual({ data_sale_opt_out: decision(true, 1) });
  });

  test('beyond 100 attributes the next user keeps its own and gets what fits, with a warning', async () => {
    const many = (prefix: string, n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
    const { dbName, backend } = await seedTwoUsers(
      (a) => a.setAttributes({ ...many('prev', 60), both: 'prev' }),
      (k) => k.setAttributes({ ...many('next', 60), both: 'next' }),
    );
    const { client, logger } = await start(
      { dbName, copyOnUserChange: { attributes: true } },
      backend,
    );
    const result = await client.login({ userIdentities: { customerid: 'K' } });
    const keys = Object.keys(result.user.attributes);
    expect(keys).toHaveLength(100);
    expect(keys.filter((k) => k.startsWith('next'))).toHaveLength(60);
    expect(result.user.attributes.both).toBe('prev');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    await client.close();
  });
});

describe('onUserAlias', () => {
  test('called once per change of current user, never for same-user results', async () => {
    const calls: [User, User][] = [];
    const { client } = await start({ onUserAlias: (p, n) => void calls.push([p, n]) });
    // First identify: no previous user, no hook.
    expect(calls).toHaveLength(0);
    const anonymous = client.currentUser!;

    await client.identify(); // same MPID
    await client.modify({ userIdentities: { email: 'e@example.com' } }); // same MPID
    expect(calls).toHaveLength(0);

    const login = await client.login({ userIdentities: { customerid: 'C' } });
    expect(calls).toHaveLength(1);
    expect(calls[0]![0].mpid).toBe(anonymous.mpid);
    expect(calls[0]![1].mpid).toBe(login.mpid);

    await client.login({ userIdentities: { customerid: 'C' } }); // same user again
    expect(calls).toHaveLength(1);
    await client.logout();
    expect(calls).toHaveLength(2);
    await client.close();
  });

  test('the hook runs after copying and may write to the new user without deadlock', async () => {
    const seen: unknown[] = [];
    const { client } = await start({
      copyOnUserChange: { attributes: true },
      onUserAlias: async (previous, next) => {
        seen.push(next.attributes);
        await next.setAttribute('aliasedFrom', previous.mpid);
      },
    });
    await client.currentUser!.setAttribute('cart', 1);
    const anonymousMpid = client.currentUser!.mpid;
    const result = await client.login({ userIdentities: { customerid: 'C' } });
    expect(seen).toEqual([{ cart: 1 }]);
    expect(result.user.attributes).toEqual({ cart: 1, aliasedFrom: anonymousMpid });
    expect(client.currentUser!.attributes).toEqual({ cart: 1, aliasedFrom: anonymousMpid });
    await client.close();
  });

  test('a throwing or rejecting hook is logged and never fails the call', async () => {
    let n = 0;
    const { client, logger } = await start({
      onUserAlias: () => {
        n++;
        if (n === 1) throw new Error('sync boom');
        return Promise.reject(new Error('async boom'));
      },
    });
    const login = await client.login({ userIdentities: { customerid: 'C' } });
    expect(login.userChanged).toBe(true);
    const logout = await client.logout();
    expect(logout.userChanged).toBe(true);
    expect(logger.error).toHaveBeenCalledTimes(2);
    await client.close();
  });
});

describe('results and events', () => {
  test('an IdentityResult describes the change; previousUser carries its new lastSeen', async () => {
    const { client, clock } = await start();
    const anonymous = client.currentUser!;
    clock.advance(1000);
    const result = await client.login({ userIdentities: { customerid: 'C' } });
    expect(result).toMatchObject({
      httpCode: 200,
      mpid: '1002',
      previousMpid: anonymous.mpid,
      userChanged: true,
      isLoggedIn: true,
    });
    expect(result.user).toBe(client.currentUser);
    expect(result.user.firstSeen).toBe(anonymous.firstSeen + 1000);
    expect(result.previousUser!.lastSeen).toBe(anonymous.firstSeen + 1000);
    expect(result.previousUser!.firstSeen).toBe(anonymous.firstSeen);
    // A returning user keeps its firstSeen.
    clock.advance(1000);
    await client.logout();
    clock.advance(1000);
    const back = await client.login({ userIdentities: { customerid: 'C' } });
    expect(back.user.firstSeen).toBe(result.user.firstSeen);
    expect(back.user.lastSeen).toBe(result.user.firstSeen + 2000);
    await client.close();
  });

  test('subscribe: told of changes of the current user, with the call type; unsubscribe stops it', async () => {
    const { client } = await start();
    const events: UserChangeEvent[] = [];
    const unsubscribe = client.subscribe((e) => events.push(e));
    const anonymous = client.currentUser!;

    await client.identify(); // same user, nothing changed: no event
    expect(events).toHaveLength(0);

    await client.identify({ userIdentities: { other: 'x' } }); // same user, identities changed
    expect(events.map((e) => e.type)).toEqual(['identify']);
    expect(events[0]!.user!.identities.other).toBe('x');
    expect(events[0]!.previousUser!.identities.other).toBeUndefined();

    await client.modify({ userIdentities: { email: 'e@example.com' } });
    expect(events.map((e) => e.type)).toEqual(['identify', 'modify']);

    await client.login({ userIdentities: { customerid: 'C' } });
    expect(events[2]).toMatchObject({ type: 'login', previousUser: { mpid: anonymous.mpid } });
    expect(events[2]!.user).toBe(client.currentUser);

    // A write to the current user is announced as a same-MPID 'modify' (UI
    // bindings re-read getSnapshot on it); test/page/snapshot.test.ts has the rest.
    const known = client.currentUser!;
    await known.setAttribute('a', 1);
    expect(events[3]).toMatchObject({ type: 'modify', previousUser: known });
    expect(events[3]!.user).toBe(client.currentUser);

    unsubscribe();
    await client.logout();
    expect(events).toHaveLength(4);
    await client.close();
  });

  test('a throwing listener is logged and does not stop the others', async () => {
    const { client, logger } = await start();
    const second = jest.fn();
    client.subscribe(() => {
      throw new Error('listener boom');
    });
    client.subscribe(second);
    await client.login({ userIdentities: { customerid: 'C' } });
    expect(second).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
    await client.close();
  });

  test('currentUser is the same frozen object until the current user changes', async () => {
    const { client } = await start();
    const a = client.currentUser!;
    expect(client.currentUser).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.identities)).toBe(true);
    expect(Object.isFrozen(a.attributes)).toBe(true);
    await client.identify(); // nothing changed
    expect(client.currentUser).toBe(a);
    await a.setAttribute('tags', ['x']);
    const b = client.currentUser!;
    expect(b).not.toBe(a);
    expect(a.attributes).toEqual({}); // snapshots never change
    expect(Object.isFrozen(b.attributes.tags)).toBe(true);
    await client.close();
  });

  test('getUsers: most recently seen first; getUser: any seen user or null', async () => {
    const { client, clock } = await start();
    const anonymous = client.currentUser!.mpid;
    clock.advance(10);
    await client.login({ userIdentities: { customerid: 'A' } });
    clock.advance(10);
    await client.login({ userIdentities: { customerid: 'B' } });
    clock.advance(10);
    await client.logout();
    expect(client.getUsers().map((u) => u.mpid)).toEqual([anonymous, '1003', '1002']);
    expect(client.getUser('1002')!.identities.customerid).toBe('A');
    expect(client.getUser('999')).toBeNull();
    await client.close();
  });

  test('createAliasRequest and aliasUsers', async () => {
    const { client, backend } = await start();
    const anonymous = client.currentUser!;
    const { user, previousUser } = await client.login({ userIdentities: { customerid: 'A' } });
    const request = client.createAliasRequest(previousUser!, user);
    expect(request).toEqual({
      sourceMpid: anonymous.mpid,
      destinationMpid: user.mpid,
      startTime: previousUser!.firstSeen,
      endTime: previousUser!.lastSeen,
      scope: 'mpid',
    });
    await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    expect(backend.calls.at(-1)).toEqual({
      method: 'alias',
      request,
      ctx: { environment: 'production', deviceId: client.deviceId, context: null },
    });
    await expect(
      client.aliasUsers({ ...request, destinationMpid: request.sourceMpid }),
    ).rejects.toMatchObject({ code: 'bad_request', httpCode: 400 });
    expect(backend.calls.filter((c) => c.method === 'alias')).toHaveLength(1);
    await client.close();
  });
});
