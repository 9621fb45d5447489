/** @jest-environment node */
import { listStrategies } from '../../src';
import { parseServerArgs, USAGE } from '../../src/server/args';

test('defaults: port 8787 on 127.0.0.1, conversion, memory, no faults', () => {
  expect(parseServerArgs([])).toEqual({
    port: 8787,
    host: '127.0.0.1',
    strategy: 'conversion',
    failRate: 0,
    latencyMs: 0,
    faultsApi: false,
    quiet: false,
    help: false,
  });
});

test('every option', () => {
  expect(
    parseServerArgs([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--strategy',
      'isolation',
      '--api-key',
      'k',
      '--data',
      'profiles.json',
      '--fail-rate',
      '0.25',
      '--latency-ms',
      '50',
      '--alias-delay-ms',
      '1000',
      '--faults-api',
      '--quiet',
    ]),
  ).toEqual({
    port: 0,
    host: '0.0.0.0',
    strategy: 'isolation',
    apiKey: 'k',
    data: 'profiles.json',
    failRate: 0.25,
    latencyMs: 50,
    aliasDelayMs: 1000,
    faultsApi: true,
    quiet: true,
    help: false,
  });
  expect(parseServerArgs(['--port=9000']).port).toBe(9000);
});

test.each([
  [['--strategy', 'magic'], /--strategy/],
  [['--port', 'abc'], /--port/],
  [['--port', '70000'], /--port/],
  [['--port', '1.5'], /--port/],
  [['--fail-rate', '2'], /--fail-rate/],
  [['--latency-ms', '-1'], /--latency-ms/],
  [['--api-key', ''], /--api-key/],
  [['--unknown'], /unknown/i],
  [['positional'], /positional|argument/i],
])('%j is refused with a message', (argv, message) => {
  expect(() => parseServerArgs(argv)).toThrow(message);
});

test('--strategy takes every registered strategy, and the usage text lists them', () => {
  const names = listStrategies().map(({ name }) => name);
  expect(names).toEqual(['conversion', 'link', 'isolation', 'best-match']);
  for (const name of names) expect(parseServerArgs(['--strategy', name]).strategy).toBe(name);
  expect(USAGE).toContain(
    '--strategy S         conversion | link | isolation | best-match (default conversion)',
  );
  expect(() => parseServerArgs(['--strategy', 'magic'])).toThrow(
    '--strategy must be one of conversion, link, isolation, best-match',
  );
});
