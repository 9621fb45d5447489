/** Starting the server, or running an import, from parsed command-line arguments. */
import { LocalResolver } from '../backends/local/local-resolver';
import { normaliseResolverConfig } from '../backends/local/resolver-config';
import type { IdentityType, Strategy } from '../types';
import type { ImportArgs, ServerArgs } from './args';
import { readSnapshotFile } from './import-json';
import { createIdsyncServer } from './server';
import { openStore, type OpenedStore } from './stores/open-store';

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

/** The identity types the resolver keeps unique under `strategy`: the SQL stores index them so. */
function uniqueTypesOf(strategy: Strategy): ReadonlySet<IdentityType> {
  return normaliseResolverConfig({ strategy }).uniqueIds;
}

/** Opens the store, builds the resolver over it and starts serving. */
export async function runServer(
  args: ServerArgs,
  log: (line: string) => void = console.log,
): Promise<RunningServer> {
  const opened = await openStore(args.store, { uniqueTypes: uniqueTypesOf(args.strategy), log });
  const resolver = new LocalResolver({
    strategy: args.strategy,
    dbName: false,
    store: opened.store,
    ...(args.aliasDelayMs === undefined ? {} : { aliasDelayMs: args.aliasDelayMs }),
  });
  const server = createIdsyncServer({
    backend: resolver,
    profiles: opened.pages,
    ...(args.apiKey === undefined ? {} : { apiKey: args.apiKey }),
    allowOrigins: args.allowOrigins,
    faultsApi: args.faultsApi,
    failRate: args.failRate,
    latencyMs: args.latencyMs,
    log: args.quiet
      ? (line) => !/^(GET|POST|DELETE|OPTIONS|PUT|PATCH|HEAD) /.test(line) && log(line)
      : log,
  });
  const { url, port } = await listenOrClose(server, args, opened);
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
      await opened.store.close();
    },
  };
}

async function listenOrClose(
  server: ReturnType<typeof createIdsyncServer>,
  args: ServerArgs,
  opened: OpenedStore,
) {
  try {
    return await server.listen(args.port, args.host);
  } catch (error) {
    await opened.store.close();
    throw error;
  }
}

/** Adds a JSON data file to a store; resolves with the store's profile count after. */
export async function runImport(args: ImportArgs): Promise<{ imported: number; total: number }> {
  const uniqueTypes = uniqueTypesOf(args.strategy);
  const snapshot = await readSnapshotFile(args.file, uniqueTypes);
  const { sql } = await openStore(args.store, { uniqueTypes });
  if (sql === null) throw new Error('import needs a lasting store');
  try {
    await sql.importSnapshot(snapshot, args.file);
    return { imported: snapshot.profiles.length, total: await sql.count() };
  } finally {
    await sql.close();
  }
}
