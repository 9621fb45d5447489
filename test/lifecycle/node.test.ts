/**
 * @jest-environment node
 */
// Server-side import: plain Node, no window, no IndexedDB (this file opts out
// of the jsdom environment; fake-indexeddb is removed below as well).
import { createIdentity, LocalResolver } from '../../src';
import { spyLogger } from '../client/fake-backend';

const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB');

beforeAll(() => {
  // The jest setup installs fake-indexeddb for every file: take it away again.
  delete (globalThis as { indexedDB?: unknown }).indexedDB;
});
afterAll(() => {
  if (saved !== undefined) Object.defineProperty(globalThis, 'indexedDB', saved);
});

test('the environment is Node: no window, no indexedDB', () => {
  expect(typeof window).toBe('undefined');
  expect(typeof indexedDB).toBe('undefined');
});

test('createIdentity works on memory without throwing and without a warning per call', async () => {
  const logger = spyLogger();
  const backend = new LocalResolver({ strategy: 'isolation', dbName: false });
  for (let request = 0; request < 3; request++) {
    const client = await createIdentity({ backend, logger });
    expect(client.storage).toBe('memory');
    expect(client.currentUser).not.toBeNull();
    const result = await client.login({ userIdentities: { customerid: `user-${request}` } });
    await result.user.incrementAttribute('renders');
    expect(client.currentUser!.attributes).toEqual({ renders: 1 });
    await client.reset();
    expect(client.currentUser).toBeNull();
    await client.close();
  }
  expect(logger.warn).not.toHaveBeenCalled();
  expect(logger.error).not.toHaveBeenCalled();
});

test('persist() on a server rejects with storage: there is nowhere to persist', async () => {
  const client = await createIdentity({
    backend: new LocalResolver({ dbName: false }),
    storage: 'memory',
    logger: spyLogger(),
  });
  await expect(client.persist()).rejects.toMatchObject({ code: 'storage' });
  expect(client.storage).toBe('memory');
  await client.close();
});
