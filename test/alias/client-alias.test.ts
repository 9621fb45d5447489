import { IdentityError } from '../../src';
import type { AliasRequest } from '../../src/types';
import { identityError } from '../client/fake-backend';
import { aliasCalls, nextAlias, start } from './helpers';

describe('createAliasRequest', () => {
  test('the source time as current user here: firstSeen → lastSeen, scope mpid', async () => {
    const { client, clock } = await start();
    const anonymous = client.currentUser!;
    clock.advance(5000);
    const { user, previousUser } = await client.login({ userIdentities: { customerid: 'A' } });
    expect(client.createAliasRequest(previousUser!, user)).toEqual({
      sourceMpid: anonymous.mpid,
      destinationMpid: user.mpid,
      startTime: anonymous.firstSeen,
      endTime: anonymous.firstSeen + 5000,
      scope: 'mpid',
    });
    await client.close();
  });

  test('a snapshot taken before the change of user gives the same range as a fresh one', async () => {
    const { client, clock } = await start();
    const stale = client.currentUser!; // lastSeen still = firstSeen
    clock.advance(7000);
    const { user } = await client.login({ userIdentities: { customerid: 'A' } });
    expect(client.createAliasRequest(stale, user).endTime).toBe(stale.firstSeen + 7000);
    await client.close();
  });

  test('a source that is still the current user: the range ends now', async () => {
    const { client, clock } = await start();
    const { user } = await client.login({ userIdentities: { customerid: 'A' } });
    clock.advance(3000);
    await client.logout();
    const known = client.getUser(user.mpid)!;
    clock.advance(4000);
    const request = client.createAliasRequest(client.currentUser!, known);
    expect(request.startTime).toBe(client.currentUser!.firstSeen);
    expect(request.endTime).toBe(clock.now());
    await client.close();
  });

  test('start never after end, even when the clock went back; the result validates', async () => {
    const { client, clock } = await start();
    const { user } = await client.login({ userIdentities: { customerid: 'A' } });
    clock.advance(-60_000);
    const request = client.createAliasRequest(user, client.getUsers()[1]!);
    expect(request.startTime).toBeLessThanOrEqual(request.endTime);
    await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    await client.close();
  });

  test('something that is not a User: bad_request', async () => {
    const { client } = await start();
    const user = client.currentUser!;
    for (const [source, destination] of [
      [null, user],
      [user, undefined],
      ['1001', user],
      [{ mpid: 1001 }, user],
    ]) {
      expect(() => client.createAliasRequest(source as never, destination as never)).toThrow(
        expect.objectContaining({ code: 'bad_request', httpCode: 400 }) as Error,
      );
    }
    await client.close();
  });
});

describe('aliasUsers: an invalid request is a 400 before anything is stored or sent', () => {
  const valid: AliasRequest = {
    sourceMpid: '1001',
    destinationMpid: '1002',
    startTime: 1000,
    endTime: 2000,
  };
  const cases: [string, unknown][] = [
    ['source equals destination', { ...valid, destinationMpid: '1001' }],
    ['start after end', { ...valid, startTime: 2001 }],
    ['source not decimal', { ...valid, sourceMpid: 'abc' }],
    ['source with a leading zero', { ...valid, sourceMpid: '01001' }],
    ['source beyond 64 bits', { ...valid, sourceMpid: '9223372036854775808' }],
    ['destination below 64 bits', { ...valid, destinationMpid: '-9223372036854775809' }],
    ['destination a number', { ...valid, destinationMpid: 1002 }],
    ['destination "-0"', { ...valid, destinationMpid: '-0' }],
    ['source missing', { destinationMpid: '1002', startTime: 1, endTime: 2 }],
    ['startTime missing', { sourceMpid: '1', destinationMpid: '2', endTime: 2 }],
    ['endTime missing', { sourceMpid: '1', destinationMpid: '2', startTime: 1 }],
    ['negative startTime', { ...valid, startTime: -1 }],
    ['fractional endTime', { ...valid, endTime: 2000.5 }],
    ['time as a string', { ...valid, startTime: '1000' }],
    ['unknown scope', { ...valid, scope: 'everything' }],
    ['not an object', 'alias 1001 to 1002'],
    ['null', null],
    ['an array', [valid]],
  ];
  test.each(cases)('%s', async (_name, request) => {
    const { client, backend } = await start();
    const callsBefore = backend.calls.length;
    const outcome = client.aliasUsers(request as AliasRequest);
    await expect(outcome).rejects.toBeInstanceOf(IdentityError);
    await expect(outcome).rejects.toMatchObject({ code: 'bad_request', httpCode: 400 });
    expect(backend.calls).toHaveLength(callsBefore);
    expect(await client.pendingAliasCount()).toBe(0);
    await client.close();
  });

  test('the scope is kept when given; unknown and polluting keys are not sent', async () => {
    const { client, backend } = await start();
    const request = JSON.parse(
      '{"sourceMpid":"1","destinationMpid":"-2","startTime":0,"endTime":0,"scope":"device","__proto__":{"polluted":1},"extra":true}',
    ) as AliasRequest;
    await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    expect(aliasCalls(backend)[0]!.request).toEqual({
      sourceMpid: '1',
      destinationMpid: '-2',
      startTime: 0,
      endTime: 0,
      scope: 'device',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await client.close();
  });
});

describe('aliasUsers: what the backend answers', () => {
  const request: AliasRequest = {
    sourceMpid: '1001',
    destinationMpid: '1002',
    startTime: 1000,
    endTime: 2000,
  };

  test('accepted: 202, sent once, nothing left pending', async () => {
    const { client, backend } = await start();
    await expect(client.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    expect(aliasCalls(backend).map((c) => c.request)).toEqual([request]);
    expect(await client.pendingAliasCount()).toBe(0);
    await client.close();
  });

  const permanent: [string, IdentityError][] = [
    ['400', identityError('bad_request', 400)],
    ['401', identityError('unauthorized', 401)],
    ['403', identityError('forbidden', 403)],
  ];
  test.each(permanent)(
    'refused for good (%s): rejects with that error, dropped',
    async (_n, error) => {
      const { client, backend, logger } = await start();
      backend.failNext(error);
      await expect(client.aliasUsers(request)).rejects.toBe(error);
      expect(await client.pendingAliasCount()).toBe(0);
      await client.flushAliases();
      expect(aliasCalls(backend)).toHaveLength(1);
      expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('refused'), error);
      await client.close();
    },
  );

  const transient: [string, unknown, string][] = [
    ['network', identityError('network'), 'network'],
    ['timeout', identityError('timeout'), 'timeout'],
    [
      '429',
      new IdentityError('rate_limited', 'slow down', { httpCode: 429, retryAfterMs: 2000 }),
      'rate_limited',
    ],
    ['500', identityError('server', 500), 'server'],
    ['503', identityError('server', 503), 'server'],
    ['a TypeError (not an IdentityError)', new TypeError('Failed to fetch'), 'network'],
  ];
  test.each(transient)(
    'transient (%s): rejects, stays queued, delivered by a flush',
    async (_n, error, code) => {
      const { client, backend } = await start();
      backend.failNext(error);
      const outcome = client.aliasUsers(request);
      await expect(outcome).rejects.toBeInstanceOf(IdentityError);
      await expect(outcome).rejects.toMatchObject({ code });
      await expect(outcome).rejects.toThrow(/stays queued and will be retried/);
      if (error instanceof IdentityError && error.httpCode !== undefined) {
        await expect(outcome).rejects.toMatchObject({ httpCode: error.httpCode });
      }
      expect(await client.pendingAliasCount()).toBe(1);
      await client.flushAliases();
      expect(await client.pendingAliasCount()).toBe(0);
      expect(aliasCalls(backend).map((c) => c.request)).toEqual([request, request]);
      await client.close();
    },
  );

  test('after close: closed, nothing stored or sent', async () => {
    const { client, backend } = await start();
    await client.close();
    await expect(client.aliasUsers(request)).rejects.toMatchObject({ code: 'closed' });
    await expect(client.flushAliases()).rejects.toMatchObject({ code: 'closed' });
    await expect(client.pendingAliasCount()).rejects.toMatchObject({ code: 'closed' });
    expect(aliasCalls(backend)).toHaveLength(0);
  });

  test('close waits for a send in progress, which records its outcome', async () => {
    const { client, backend, dbName } = await start();
    const release = backend.holdNext();
    const called = nextAlias(backend);
    const sending = client.aliasUsers(request);
    await called;
    const closing = client.close();
    release();
    await expect(sending).resolves.toEqual({ httpCode: 202 });
    await closing;
    const again = await start({ dbName });
    expect(await again.client.pendingAliasCount()).toBe(0);
    await again.client.close();
  });
});
