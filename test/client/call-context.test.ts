import { createIdentity, HttpBackend } from '../../src';
import type {
  AliasRequest,
  BackendRequest,
  BackendResponse,
  IdentityClient,
  ModifyRequest,
} from '../../src/types';
import { ok, scriptedFetch, answer, type Call } from '../http/helpers';
import { createFakeBackend, freshDbName, spyLogger } from './fake-backend';

/**
 * The backend contract is stateless: every call carries the client's
 * environment, device id and the service's latest context. Each page (or tab)
 * gets a backend of its own here, as a reload or another tab would.
 */
function httpPage(replies: Parameters<typeof scriptedFetch>) {
  const { fetch, calls } = scriptedFetch(...replies);
  const backend = new HttpBackend({
    baseUrl: 'https://id.example.test/v1',
    apiKey: 'key-1',
    fetch,
    retry: false,
  });
  return { backend, calls };
}

const bodyOf = (calls: Call[], path: string) =>
  calls.filter((c) => c.url.endsWith(path)).at(-1)!.body;

describe('the call context', () => {
  test('every call gets environment, device id and the latest context from the client', async () => {
    const backend = createFakeBackend();
    backend.answerNext({
      httpCode: 200,
      mpid: '1',
      isLoggedIn: false,
      matchedIdentities: {},
      context: 'c-1',
    });
    const client = await createIdentity({
      backend,
      dbName: freshDbName(),
      logger: spyLogger(),
      environment: 'development',
    });
    const ctx = { environment: 'development', deviceId: client.deviceId };
    expect(backend.calls[0]!.ctx).toEqual({ ...ctx, context: null });
    await client.login({ userIdentities: { customerid: 'C' } });
    expect(backend.calls[1]!.ctx).toEqual({ ...ctx, context: 'c-1' });
    await client.modify({ userIdentities: { email: 'm@x.y' } });
    expect(backend.calls[2]!.ctx).toEqual({ ...ctx, context: 'c-1' });
    const { user, previousUser } = await client.logout();
    await client.aliasUsers(client.createAliasRequest(user, previousUser!));
    expect(backend.calls.map((c) => c.ctx)).toEqual([
      { ...ctx, context: null },
      ...Array.from({ length: 4 }, () => ({ ...ctx, context: 'c-1' })),
    ]);
    await client.close();
  });

  test('a backend written for the old signature (no context argument) keeps working', async () => {
    const seen: unknown[][] = [];
    const answerFor = (mpid: string): BackendResponse => ({
      httpCode: 200,
      mpid,
      isLoggedIn: mpid !== '1',
      matchedIdentities: {},
    });
    const oldBackend = {
      identify(req: BackendRequest) {
        seen.push(['identify', req.previousMpid]);
        return Promise.resolve(answerFor('1'));
      },
      login(req: BackendRequest) {
        seen.push(['login', req.previousMpid]);
        return Promise.resolve(answerFor('2'));
      },
      logout(req: BackendRequest) {
        seen.push(['logout', req.previousMpid]);
        return Promise.resolve(answerFor('1'));
      },
      modify(mpid: string, req: ModifyRequest) {
        seen.push(['modify', mpid, req.identityChanges.length]);
        return Promise.resolve(answerFor(mpid));
      },
      alias(req: AliasRequest) {
        seen.push(['alias', req.sourceMpid]);
        return Promise.resolve({ httpCode: 202 });
      },
    };
    expect(oldBackend.identify.length).toBe(1);
    const client = await createIdentity({
      backend: oldBackend,
      dbName: freshDbName(),
      logger: spyLogger(),
    });
    const { user, previousUser } = await client.login({ userIdentities: { customerid: 'C' } });
    await client.modify({ userIdentities: { email: 'm@x.y' } });
    await expect(
      client.aliasUsers(client.createAliasRequest(previousUser!, user)),
    ).resolves.toEqual({
      httpCode: 202,
    });
    await client.logout();
    expect(seen).toEqual([
      ['identify', null],
      ['login', '1'],
      ['modify', '2', 1],
      ['alias', '1'],
      ['logout', '2'],
    ]);
    await client.close();
  });
});

describe('HttpBackend keeps no state: the client does', () => {
  test("after a reload that restores the user, an alias goes out with the client's environment and device id", async () => {
    const dbName = freshDbName();
    const first = httpPage([ok('1'), ok('2', { is_logged_in: true })]);
    const before = await createIdentity({
      backend: first.backend,
      dbName,
      logger: spyLogger(),
      environment: 'development',
    });
    const { user, previousUser } = await before.login({ userIdentities: { customerid: 'C' } });
    const request = before.createAliasRequest(previousUser!, user);
    await before.close();

    // The reload: a new backend, the user restored from IndexedDB, no identify sent.
    const second = httpPage([answer(202, '')]);
    const after = await createIdentity({
      backend: second.backend,
      dbName,
      logger: spyLogger(),
      environment: 'development',
    });
    expect(second.calls).toHaveLength(0);
    await expect(after.aliasUsers(request)).resolves.toEqual({ httpCode: 202 });
    const body = bodyOf(second.calls, '/Alias');
    expect(body.environment).toBe('development');
    expect((body.data as Record<string, unknown>).device_application_stamp).toBe(after.deviceId);
    await after.close();
  });

  test("the service's context survives a reload: the next page sends it back", async () => {
    const dbName = freshDbName();
    const first = httpPage([
      ok('1', { context: 'c-1' }),
      ok('2', { is_logged_in: true, context: 'c-2' }),
    ]);
    const before = await createIdentity({ backend: first.backend, dbName, logger: spyLogger() });
    await before.login({ userIdentities: { customerid: 'C' } });
    expect(bodyOf(first.calls, '/login').context).toBe('c-1');
    await before.close();

    const second = httpPage([ok('2', { is_logged_in: true })]);
    const after = await createIdentity({ backend: second.backend, dbName, logger: spyLogger() });
    await after.identify({ userIdentities: { customerid: 'C' } });
    expect(bodyOf(second.calls, '/identify').context).toBe('c-2');
    await after.close();
  });

  test("the service's context is shared by the tabs of one database", async () => {
    const dbName = freshDbName();
    const tabA = httpPage([
      ok('1', { context: 'c-1' }),
      ok('2', { is_logged_in: true, context: 'c-2' }),
    ]);
    const tabB = httpPage([ok('2', { is_logged_in: true })]);
    const a = await createIdentity({ backend: tabA.backend, dbName, logger: spyLogger() });
    const b: IdentityClient = await createIdentity({
      backend: tabB.backend,
      dbName,
      logger: spyLogger(),
    });
    expect(tabB.calls).toHaveLength(0); // A's user was there already
    const heard = new Promise((resolve) => b.subscribe(resolve));
    await a.login({ userIdentities: { customerid: 'C' } });
    await heard;
    await b.identify({ userIdentities: { customerid: 'C' } });
    expect(bodyOf(tabB.calls, '/identify').context).toBe('c-2');
    await Promise.all([a.close(), b.close()]);
  });

  test('an answer with a context that is not a string is a server error and changes nothing', async () => {
    const backend = createFakeBackend();
    const client = await createIdentity({ backend, dbName: freshDbName(), logger: spyLogger() });
    backend.answerNext({
      httpCode: 200,
      mpid: '5',
      isLoggedIn: true,
      matchedIdentities: {},
      context: 7,
    });
    await expect(client.login({ userIdentities: { customerid: 'C' } })).rejects.toMatchObject({
      code: 'server',
    });
    await client.identify();
    expect(backend.calls.at(-1)!.ctx!.context).toBeNull();
    await client.close();
  });
});
