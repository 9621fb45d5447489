import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_STRATEGY,
  isStrategyName,
  strategyNames,
} from '../backends/local/strategies/lookup';
import type { Strategy } from '../types';
import { normaliseOrigin } from './http/cors';
import { DEFAULT_STORE, parseStoreSpec, type StoreSpec } from './stores/open-store';

export interface ServerArgs {
  port: number;
  host: string;
  strategy: Strategy;
  /** require this key (x-mp-key header; alias path) */
  apiKey?: string;
  /** where profiles live: memory, sqlite:FILE (default) or postgres://… */
  store: StoreSpec;
  /** origins whose pages may call; default: loopback pages only */
  allowOrigins: string[];
  failRate: number;
  latencyMs: number;
  aliasDelayMs?: number;
  /** accept POST/DELETE /v1/_faults */
  faultsApi: boolean;
  /** no per-request log lines */
  quiet: boolean;
  help: boolean;
}

export const USAGE = `Usage: idsync-server [options]

A local IDSync v1 server (identify, login, logout, modify, alias) backed by
idsync-web's reference resolver. Base URL: http://<host>:<port>/v1

  --port N             port to listen on (default 8787; 0 picks a free one)
  --host HOST          address to bind (default 127.0.0.1)
  --strategy S         ${strategyNames().join(' | ')} (default ${DEFAULT_STRATEGY})
  --store STORE        sqlite:FILE (default ${DEFAULT_STORE}), memory, or
                       postgres://USER@HOST/DB (several servers may share one)
  --api-key KEY        require x-mp-key: KEY on every route (KEY in the alias path)
  --allow-origin ORIGIN
                       a web origin whose pages may call (repeatable; default:
                       pages served from localhost, 127.0.0.1 and [::1], which
                       "loopback" names when other origins are given)
  --alias-delay-ms N   delay before an accepted alias applies (default 24 h)
  --fail-rate R        answer this share (0..1) of API requests with 503
  --latency-ms N       wait N ms before every API answer
  --faults-api         accept POST /v1/_faults (queue answers) and DELETE /v1/_faults
  --quiet              no per-request log lines
  --help               this text

       idsync-server import FILE [--store STORE] [--strategy S]

Adds the profiles and pending aliases of a JSON data file (as the --data of
earlier versions wrote them) to the store, in one transaction; a bad file
changes nothing.
`;

/** Parses the command line; throws an Error whose message says what is wrong. */
export function parseServerArgs(argv: string[]): ServerArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      strategy: { type: 'string' },
      'api-key': { type: 'string' },
      store: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'fail-rate': { type: 'string' },
      'latency-ms': { type: 'string' },
      'alias-delay-ms': { type: 'string' },
      'faults-api': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const strategy = values.strategy ?? DEFAULT_STRATEGY;
  if (!isStrategyName(strategy)) {
    throw new Error(`--strategy must be one of ${strategyNames().join(', ')}`);
  }
  const port = integer(values.port ?? '8787', '--port');
  if (port > 65535) throw new Error('--port must be from 0 to 65535');
  const failRate = number(values['fail-rate'] ?? '0', '--fail-rate');
  if (failRate > 1) throw new Error('--fail-rate must be from 0 to 1');
  const args: ServerArgs = {
    port,
    host: values.host ?? '127.0.0.1',
    strategy,
    store: parseStoreSpec(values.store ?? DEFAULT_STORE),
    allowOrigins: (values['allow-origin'] ?? ['loopback']).map(normaliseOrigin),
    failRate,
    latencyMs: integer(values['latency-ms'] ?? '0', '--latency-ms'),
    faultsApi: values['faults-api'] ?? false,
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
  if (values['api-key'] !== undefined) args.apiKey = nonEmpty(values['api-key'], '--api-key');
  if (values['alias-delay-ms'] !== undefined) {
    args.aliasDelayMs = integer(values['alias-delay-ms'], '--alias-delay-ms');
  }
  return args;
}

function number(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${flag} must be a non-negative number, got "${text}"`);
  }
  return value;
}

function integer(text: string, flag: string): number {
  const value = number(text, flag);
  if (!Number.isSafeInteger(value))
    throw new Error(`${flag} must be a whole number, got "${text}"`);
  return value;
}

function nonEmpty(text: string, flag: string): string {
  if (text === '') throw new Error(`${flag} must not be empty`);
  return text;
}

export interface ImportArgs {
  /** the JSON data file */
  file: string;
  store: StoreSpec;
  /** decides which identity types the store indexes as unique */
  strategy: Strategy;
}

/** `import FILE [--store STORE] [--strategy S]`: the flags mean what they mean for the server. */
export function parseImportArgs(argv: string[]): ImportArgs {
  const [file, ...flags] = argv;
  if (file === undefined || file.startsWith('--')) throw new Error('import needs a FILE');
  const { store, strategy } = parseServerArgs(flags);
  if (store.kind === 'memory') {
    throw new Error('import needs a lasting store: --store sqlite:FILE or postgres://…');
  }
  return { file: resolve(file), store, strategy };
}
