import { createIdentity } from '../../src';
import { createFakeBackend, freshDbName, spyLogger, stateOf } from '../client/fake-backend';
import { nextEvent, recordEvents } from '../tabs/tabs';

async function start() {
  const backend = createFakeBackend();
  const dbName = freshDbName();
  const open = () => createIdentity({ backend, dbName, logger: spyLogger() });
  const client = await open();
  return { client, open };
}

const decision = (consented: boolean, timestamp = 5) => ({ consented, timestamp });

describe('removeAllAttributes', () => {
  test('removes every attribute, durably, with one modify event', async () => {
    const { client, open } = await start();
    await client.currentUser!.setAttributes({ a: 1, b: 'x', c: ['l'] });
    const events = recordEvents(client);
    await client.currentUser!.removeAllAttributes();
    expect(client.currentUser!.attributes).toEqual({});
    expect(events.map((e) => e.type)).toEqual(['modify']);
    const reloaded = await open();
    expect(reloaded.currentUser!.attributes).toEqual({});
    // nothing to remove: no write, no event
    await client.currentUser!.removeAllAttributes();
    expect(events).toHaveLength(1);
    await Promise.all([client.close(), reloaded.close()]);
  });
});

describe('incrementAttribute', () => {
  test('counts from 0 for a missing key, by 1 by default, and resolves with the new value', async () => {
    const { client, open } = await start();
    await expect(client.currentUser!.incrementAttribute('visits')).resolves.toBe(1);
    await expect(client.currentUser!.incrementAttribute('visits', 2.5)).resolves.toBe(3.5);
    await expect(client.currentUser!.incrementAttribute('visits', -4)).resolves.toBe(-0.5);
    expect(client.currentUser!.attributes).toEqual({ visits: -0.5 });
    const reloaded = await open();
    expect(reloaded.currentUser!.attributes).toEqual({ visits: -0.5 });
    await Promise.all([client.close(), reloaded.close()]);
  });

  test('a non-number value or a non-finite by is a validation error; nothing changes', async () => {
    const { client } = await start();
    await client.currentUser!.setAttributes({ name: 'x', flag: true, none: null, big: 1e308 });
    const before = stateOf(client);
    const user = client.currentUser!;
    for (const key of ['name', 'flag', 'none']) {
      await expect(user.incrementAttribute(key)).rejects.toMatchObject({ code: 'validation' });
    }
    for (const by of [NaN, Infinity, -Infinity, '1', null, {}]) {
      await expect(user.incrementAttribute('n', by as number)).rejects.toMatchObject({
        code: 'validation',
      });
    }
    await expect(user.incrementAttribute('big', 1e308)).rejects.toMatchObject({
      code: 'validation',
    });
    for (const key of ['', '__proto__', 5, 'k'.repeat(300)]) {
      await expect(user.incrementAttribute(key as string)).rejects.toMatchObject({
        code: 'validation',
      });
    }
    expect(stateOf(client)).toEqual(before);
    expect(Object.prototype).not.toHaveProperty('n');
    await client.close();
  });

  test('two tabs incrementing at once both count', async () => {
    const { client: a, open } = await start();
    const b = await open();
    await a.currentUser!.setAttribute('count', 10);
    await nextEvent(b, 'sync');
    // Both start from the same snapshot, holding the same value.
    const fromA = a.currentUser!;
    const fromB = b.currentUser!;
    const results = await Promise.all([
      fromA.incrementAttribute('count'),
      fromB.incrementAttribute('count'),
      fromA.incrementAttribute('count', 5),
      fromB.incrementAttribute('count', 5),
    ]);
    // Each saw the value the one before it left, whatever the order: distinct, the last 22.
    expect(new Set(results).size).toBe(4);
    expect(Math.max(...results)).toBe(22);
    await new Promise((r) => setTimeout(r, 20));
    expect(a.currentUser!.attributes.count).toBe(22);
    expect(b.currentUser!.attributes.count).toBe(22);
    const reloaded = await open();
    expect(reloaded.currentUser!.attributes.count).toBe(22);
    await Promise.all([a.close(), b.close(), reloaded.close()]);
  });

  test('a user deleted by another tab cannot be written', async () => {
    const { client: a, open } = await start();
    const b = await open();
    const user = b.currentUser!;
    await a.reset();
    await new Promise((r) => setTimeout(r, 20));
    await expect(user.incrementAttribute('n')).rejects.toMatchObject({ code: 'validation' });
    await Promise.all([a.close(), b.close()]);
  });
});

describe('setGdprConsent and setCcpaConsent', () => {
  test('one purpose at a time: two parts of an app do not overwrite each other', async () => {
    const { client, open } = await start();
    await client.currentUser!.setGdprConsent('Analytics ', decision(true));
    await client.currentUser!.setGdprConsent('marketing', decision(false, 7));
    expect(client.currentUser!.consent).toEqual({
      gdpr: { analytics: decision(true), marketing: decision(false, 7) },
    });
    await client.currentUser!.setCcpaConsent({ ...decision(true), document: 'v2' });
    await client.currentUser!.setGdprConsent('ANALYTICS', null);
    expect(client.currentUser!.consent).toEqual({
      gdpr: { marketing: decision(false, 7) },
      ccpa: { data_sale_opt_out: { ...decision(true), document: 'v2' } },
    });
    const reloaded = await open();
    expect(reloaded.currentUser!.consent).toEqual(client.currentUser!.consent);
    await client.currentUser!.setGdprConsent('marketing', null);
    await client.currentUser!.setCcpaConsent(null);
    expect(client.currentUser!.consent).toEqual({});
    await Promise.all([client.close(), reloaded.close()]);
  });

  test('announced like other writes, to this tab and the others', async () => {
    const { client: a, open } = await start();
    const b = await open();
    const events = recordEvents(a);
    const synced = nextEvent(b, 'sync');
    await a.currentUser!.setGdprConsent('ads', decision(true));
    await synced;
    expect(events.map((e) => e.type)).toEqual(['modify']);
    expect(b.currentUser!.consent).toEqual({ gdpr: { ads: decision(true) } });
    await Promise.all([a.close(), b.close()]);
  });

  test('bad purposes and decisions are validation errors; nothing changes', async () => {
    const { client } = await start();
    const user = client.currentUser!;
    const before = stateOf(client);
    for (const purpose of ['', '  ', '__proto__', 'constructor', 5, null]) {
      await expect(user.setGdprConsent(purpose as string, decision(true))).rejects.toMatchObject({
        code: 'validation',
      });
    }
    const badDecisions = [
      undefined,
      {},
      { consented: 'yes', timestamp: 1 },
      { consented: true, timestamp: Infinity },
      { consented: true, timestamp: 1, extra: 1 },
      { consented: true, timestamp: 1, document: 5 },
      JSON.parse('{"consented": true, "timestamp": 1, "__proto__": {"x": 1}}'),
    ];
    for (const bad of badDecisions) {
      await expect(user.setGdprConsent('ads', bad as never)).rejects.toMatchObject({
        code: 'validation',
      });
      await expect(user.setCcpaConsent(bad as never)).rejects.toMatchObject({
        code: 'validation',
      });
    }
    expect(stateOf(client)).toEqual(before);
    await client.close();
  });
});

describe('writes on a user that is not the current one', () => {
  test('work on past users too, without an event', async () => {
    const { client } = await start();
    const anonymous = client.currentUser!;
    await client.login({ userIdentities: { customerid: 'A' } });
    const events = recordEvents(client);
    await expect(anonymous.incrementAttribute('n', 3)).resolves.toBe(3);
    expect(client.getUser(anonymous.mpid)!.attributes).toEqual({ n: 3 });
    expect(events).toEqual([]);
    await client.close();
  });
});
