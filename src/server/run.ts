import { resolve } from 'node:path';
import { LocalResolver } from '../backends/local/local-resolver';
import { MemoryProfileStore } from '../backends/local/memory-profile-store';
import type { ServerArgs } from './args';
import { FileProfileStore } from './file-profile-store';
import { createIdsyncServer } from './server';

export interface RunningServer {
  url: string;
  port: number;
  resolver: LocalResolver;
  close(): Promise<void>;
}

/** How often accepted aliases are checked for being due: often enough for short test delays. */
function aliasCheckInterval(aliasDelayMs: number | undefined): number {
  return Math.min(60_000, Math.max(50, Math.floor((aliasDelayMs ?? 60_000) / 2)));
}

/** Builds the resolver and its store from the command line and starts serving. */
export async function runServer(
  args: ServerArgs,
  log: (line: string) => void = console.log,
): Promise<RunningServer> {
  const store = args.data
    ? await FileProfileStore.open(resolve(args.data))
    : new MemoryProfileStore();
  const resolver = new LocalResolver({
    strategy: args.strategy,
    dbName: false,
    store,
    ...(args.aliasDelayMs === undefined ? {} : { aliasDelayMs: args.aliasDelayMs }),
  });
  const server = createIdsyncServer({
    backend: resolver,
    ...(args.apiKey === undefined ? {} : { apiKey: args.apiKey }),
    faultsApi: args.faultsApi,
    failRate: args.failRate,
    latencyMs: args.latencyMs,
    log: args.quiet ? (line) => line.startsWith('internal error') && log(line) : log,
  });
  const { url, port } = await server.listen(args.port, args.host);
  // Accepted aliases apply only once their delay has passed: nobody else asks.
  const timer = setInterval(() => {
    resolver.processAliases().catch((error: unknown) => log(`alias processing failed: ${error}`));
  }, aliasCheckInterval(args.aliasDelayMs));
  timer.unref();
  return {
    url,
    port,
    resolver,
    async close() {
      clearInterval(timer);
      await server.close();
      await store.close();
    },
  };
}
