/** @jest-environment node */
import { resolve } from 'node:path';
import { listStrategies } from '../../src';
import { parseImportArgs, parseServerArgs, USAGE } from '../../src/server/args';

test('defaults: port 8787 on 127.0.0.1, conversion, ./idsync-data.db, loopback pages, no faults', () => {
  expect(parseServerArgs([])).toEqual({
    port: 8787,
    host: '127.0.0.1',
    strategy: 'conversion',
    store: { kind: 'sqlite', file: resolve('idsync-data.db') },
    allowOrigins: ['loopback'],
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
      '--store',
      'postgres://u:p@127.0.0.1:5432/db',
      '--allow-origin',
      'https://App.example',
      '--allow-origin',
      'null',
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
    store: { kind: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/db' },
    allowOrigins: ['https://app.example', 'null'],
    failRate: 0.25,
    latencyMs: 50,
    aliasDelayMs: 1000,
    faultsApi: true,
    quiet: true,
    help: false,
  });
  expect(parseServerArgs(['--port=9000']).port).toBe(9000);
  expect(parseServerArgs(['--store', 'memory']).store).toEqual({ kind: 'memory' });
  expect(parseServerArgs(['--store', 'sqlite:x/y.db']).store).toEqual({
    kind: 'sqlite',
    file: resolve('x/y.db'),
  });
});

test('import FILE takes the store and the strategy; memory is refused', () => {
  expect(parseImportArgs(['old.json', '--store', 'sqlite:a.db', '--strategy', 'link'])).toEqual({
    file: resolve('old.json'),
    store: { kind: 'sqlite', file: resolve('a.db') },
    strategy: 'link',
  });
  expect(() => parseImportArgs([])).toThrow(/FILE/);
  expect(() => parseImportArgs(['old.json', '--store', 'memory'])).toThrow(/lasting store/);
});

test.each([
  [['--strategy', 'magic'], /--strategy/],
  [['--port', 'abc'], /--port/],
  [['--port', '70000'], /--port/],
  [['--port', '1.5'], /--port/],
  [['--fail-rate', '2'], /--fail-rate/],
  [['--latency-ms', '-1'], /--latency-ms/],
  [['--api-key', ''], /--api-key/],
  [['--data', 'profiles.json'], /unknown/i],
  [['--store', 'mysql://x'], /--store/],
  [['--store', 'sqlite:'], /--store/],
  [['--allow-origin', '*'], /--allow-origin/],
  [['--allow-origin', 'https://a.example/path'], /--allow-origin/],
  [['--allow-origin', 'ftp://a.example'], /--allow-origin/],
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
