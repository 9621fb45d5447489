/**
 * Adding a strategy is one file in src/backends/local/strategies and one line
 * in its registry.ts. This test adds that line (the registry module is
 * replaced by the real list plus a fifth strategy) and checks that
 * everything derived from the registry follows: LocalResolver accepts the
 * name and runs requests by the new rules, the server's --strategy and usage
 * text list it, and so does listStrategies() (the demo's picker).
 */
import type * as Api from '../../src';
import type * as Args from '../../src/server/args';
import { chooseByLoginIds } from '../../src/backends/local/strategies/known-users';
import { defineStrategy } from '../../src/backends/local/strategies/strategy';
import type * as Registry from '../../src/backends/local/strategies/registry';
import type { Strategy } from '../../src/types';
import { CID, IDFV, manualClock, mpidSequence, req } from './helpers';

/**
 * A shared kiosk: its device id says nothing about who stands at it, so a
 * request without login IDs always starts a new anonymous profile, and data
 * from one visitor is never aliased to the next.
 */
const kiosk = defineStrategy({
  name: 'kiosk',
  label: 'Kiosk',
  defaultLoginIds: ['customerid', 'email'],
  defaultUniqueIds: ['customerid', 'email'],
  severalValuesPerType: false,
  aliasing: false,
  choose: async (request, match) =>
    Object.keys(match.loginIds(request.identities)).length === 0
      ? null
      : chooseByLoginIds(request, match),
  logout: async (request, match) => ({
    identities: match.withoutLoginIds(request.identities),
    profile: null,
  }),
});

const REGISTRY = '../../src/backends/local/strategies/registry';
const KIOSK = 'kiosk' as Strategy;

/** The package and the server's argument parser, loaded over a registry with one more line. */
async function withFifthStrategy() {
  let api!: typeof Api;
  let args!: typeof Args;
  await jest.isolateModulesAsync(async () => {
    jest.doMock(REGISTRY, () => {
      const actual = jest.requireActual<typeof Registry>(REGISTRY);
      return { ...actual, REGISTERED_STRATEGIES: [...actual.REGISTERED_STRATEGIES, kiosk] };
    });
    api = await import('../../src');
    args = await import('../../src/server/args');
  });
  return { api, args };
}

afterEach(() => jest.dontMock(REGISTRY));

test('LocalResolver runs requests under a fifth registered strategy', async () => {
  const { api } = await withFifthStrategy();
  const clock = manualClock();
  const resolver = new api.LocalResolver({
    strategy: KIOSK,
    dbName: false,
    now: clock.now,
    generateMpid: mpidSequence(),
  });
  expect(resolver.strategy).toBe('kiosk');

  // Two visitors on one device, neither signed in: two profiles (conversion would give one).
  const first = await resolver.identify(req({ ios_idfv: IDFV }));
  const second = await resolver.identify(req({ ios_idfv: IDFV }, first.mpid));
  expect([first.mpid, second.mpid]).toEqual(['1234', '2345']);

  // Signing in is matched on login IDs, as under the other strategies with known users.
  const known = await resolver.login(req({ customerid: CID, ios_idfv: IDFV }, second.mpid));
  expect(known).toMatchObject({ mpid: '3456', isLoggedIn: true });
  const again = await resolver.login(req({ customerid: CID }, null));
  expect(again.mpid).toBe('3456');

  // Logging out starts afresh; aliasing is not provisioned.
  const out = await resolver.logout(req({ customerid: CID, ios_idfv: IDFV }, known.mpid));
  expect(out).toMatchObject({ mpid: '4567', isLoggedIn: false });
  expect(out.matchedIdentities).toEqual({ ios_idfv: IDFV });
  await expect(
    resolver.alias({ sourceMpid: '1234', destinationMpid: '3456', startTime: 0, endTime: 1 }),
  ).rejects.toMatchObject({ code: 'forbidden', httpCode: 403 });
  expect(await resolver.profiles()).toHaveLength(4);
});

test('the option check, the server flag and the strategy list follow the registry', async () => {
  const { api, args } = await withFifthStrategy();
  expect(api.listStrategies().map(({ name }) => name)).toEqual([
    'conversion',
    'link',
    'isolation',
    'best-match',
    'kiosk',
  ]);
  expect(api.listStrategies().at(-1)).toEqual({ name: 'kiosk', label: 'Kiosk', aliasing: false });
  expect(args.parseServerArgs(['--strategy', 'kiosk']).strategy).toBe('kiosk');
  expect(args.USAGE).toContain('conversion | link | isolation | best-match | kiosk');
  expect(() => args.parseServerArgs(['--strategy', 'nope'])).toThrow(/best-match, kiosk/);
  expect(() => new api.LocalResolver({ strategy: 'nope' as Strategy })).toThrow(
    /unknown strategy "nope"; one of conversion, link, isolation, best-match, kiosk/,
  );
});

test('without the extra line, the fifth strategy is unknown everywhere', async () => {
  const api = await import('../../src');
  const args = await import('../../src/server/args');
  expect(api.listStrategies()).toHaveLength(4);
  expect(() => new api.LocalResolver({ strategy: KIOSK })).toThrow(/unknown strategy "kiosk"/);
  expect(() => args.parseServerArgs(['--strategy', 'kiosk'])).toThrow(/--strategy/);
  expect(args.USAGE).not.toContain('kiosk');
});
