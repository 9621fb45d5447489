import { createIdentity, IdentityError } from '../../src';
import type { BackendRequest, IdentityOptions } from '../../src/types';
import {
  createFakeBackend,
  fakeClock,
  freshDbName,
  identityError,
  spyLogger,
  stateOf,
  type FakeBackend,
} from './fake-backend';

function options(backend: FakeBackend, dbName: string, more: Partial<IdentityOptions> = {}) {
  return { backend, dbName, logger: spyLogger(), ...more };
}

describe('start-up and restart', () => {
  test('a second client on the same database restores everything with zero backend calls', async () => {
    const dbName = freshDbName();
    const clock = fakeClock();
    const first = await createIdentity(options(createFakeBackend(), dbName, { now: clock.now }));
    await first.login({ userIdentities: { customerid: 'ABC', email: 'a@example.com' } });
    const user = first.currentUser!;
    await user.setAttributes({ plan: 'pro', tags: ['a', 'b'], score: 3 });
    await user.setConsent({
      gdpr: { analytics: { consented: true, timestamp: 5 } },
      ccpa: { data_sale_opt_out: { consented: false, timestamp: 6 } },
    });
    const before = stateOf(first);
    await first.close();

    const backend = createFakeBackend();
    const second = await createIdentity(options(backend, dbName));
    expect(backend.calls).toHaveLength(0);
    expect(stateOf(second)).toEqual(before);
    expect(second.deviceId).toBe(first.deviceId);
    expect(second.currentUser).toMatchObject({
      mpid: user.mpid,
      identities: { customerid: 'ABC', email: 'a@example.com' },
      attributes: { plan: 'pro', tags: ['a', 'b'], score: 3 },
      consent: {
        gdpr: { analytics: { consented: true, timestamp: 5 } },
        ccpa: { data_sale_opt_out: { consented: false, timestamp: 6 } },
      },
      isLoggedIn: true,
    });
    await second.close();
  });

  test('identifyOnInit is sent when nothing is stored (default: empty identities), not again once a user is', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const first = await createIdentity(options(backend, dbName));
    expect(backend.calls.map((c) => c.method)).toEqual(['identify']);
    const request = backend.calls[0]!.request as BackendRequest;
    expect(request.knownIdentities).toEqual({ device_application_stamp: first.deviceId });
    expect(request.previousMpid).toBeNull();
    expect(first.currentUser?.mpid).toBe('1001');
    await first.close();

    // Naming no login identity (a device identifier only): the stored user stands.
    const stamp = { device_application_stamp: first.deviceId };
    const second = await createIdentity(
      options(backend, dbName, { identifyOnInit: { userIdentities: stamp } }),
    );
    expect(backend.calls).toHaveLength(1);
    expect(second.currentUser?.mpid).toBe('1001');
    await second.close();
  });

  test('a custom identifyOnInit is sent as given, plus the device id', async () => {
    const backend = createFakeBackend();
    const client = await createIdentity(
      options(backend, freshDbName(), {
        identifyOnInit: { userIdentities: { email: 'x@example.com' } },
        environment: 'development',
      }),
    );
    expect(backend.calls[0]!.request).toEqual({
      knownIdentities: { email: 'x@example.com', device_application_stamp: client.deviceId },
      previousMpid: null,
      environment: 'development',
      requestTimestampMs: expect.any(Number),
    });
    await client.close();
  });

  test('identifyOnInit: false sends nothing and leaves currentUser null', async () => {
    const backend = createFakeBackend();
    const client = await createIdentity(options(backend, freshDbName(), { identifyOnInit: false }));
    expect(backend.calls).toHaveLength(0);
    expect(client.currentUser).toBeNull();
    expect(client.getUsers()).toEqual([]);
    await client.close();
  });

  test('a failing identifyOnInit is logged; the client still resolves with currentUser null', async () => {
    const backend = createFakeBackend();
    backend.failNext(identityError('server', 503));
    const logger = spyLogger();
    const client = await createIdentity({ backend, dbName: freshDbName(), logger });
    expect(client.currentUser).toBeNull();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![1]).toBeInstanceOf(IdentityError);
    // The app can try again.
    const result = await client.identify();
    expect(result.user.mpid).toBe('1001');
    await client.close();
  });
});

describe('device id', () => {
  test('created once, persisted, and added to every request unless given', async () => {
    const dbName = freshDbName();
    const backend = createFakeBackend();
    const client = await createIdentity(options(backend, dbName));
    const { deviceId } = client;
    expect(deviceId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    await client.login({ userIdentities: { customerid: 'C1' } });
    await client.logout();
    await client.identify({ userIdentities: { device_application_stamp: 'given-stamp' } });
    const stamps = backend.calls.map(
      (c) => (c.request as BackendRequest).knownIdentities.device_application_stamp,
    );
    expect(stamps).toEqual([deviceId, deviceId, deviceId, 'given-stamp']);
    await client.close();

    const again = await createIdentity(options(createFakeBackend(), dbName));
    expect(again.deviceId).toBe(deviceId);
    await again.close();
  });

  test('two database names are two devices', async () => {
    const a = await createIdentity(options(createFakeBackend(), freshDbName()));
    const b = await createIdentity(options(createFakeBackend(), freshDbName()));
    expect(a.deviceId).not.toBe(b.deviceId);
    await Promise.all([a.close(), b.close()]);
  });
});
