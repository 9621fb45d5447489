import { parseArgs } from 'node:util';
import {
  DEFAULT_STRATEGY,
  isStrategyName,
  strategyNames,
} from '../backends/local/strategies/lookup';
import type { Strategy } from '../types';

export interface ServerArgs {
  port: number;
  host: string;
  strategy: Strategy;
  /** require this key (x-mp-key header; alias path) */
  apiKey?: string;
  /** JSON file holding the profiles; none keeps them in memory */
  data?: string;
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
  --api-key KEY        require x-mp-key: KEY (and KEY in the alias path)
  --data FILE          keep profiles in FILE (JSON, written atomically); default: memory
  --alias-delay-ms N   delay before an accepted alias applies (default 24 h)
  --fail-rate R        answer this share (0..1) of API requests with 503
  --latency-ms N       wait N ms before every API answer
  --faults-api         accept POST /v1/_faults (queue answers) and DELETE /v1/_faults
  --quiet              no per-request log lines
  --help               this text
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
      data: { type: 'string' },
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
    failRate,
    latencyMs: integer(values['latency-ms'] ?? '0', '--latency-ms'),
    faultsApi: values['faults-api'] ?? false,
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
  if (values['api-key'] !== undefined) args.apiKey = nonEmpty(values['api-key'], '--api-key');
  if (values.data !== undefined) args.data = nonEmpty(values.data, '--data');
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
