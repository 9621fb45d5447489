/** `idsync-server`: the local IDSync v1 server from the command line. */
import { parseServerArgs, USAGE, type ServerArgs } from './args';
import { runServer } from './run';

async function main(): Promise<void> {
  let args: ServerArgs;
  try {
    args = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const running = await runServer(args);
  const where = args.data ? `profiles in ${args.data}` : 'profiles in memory';
  console.log(`IDSync v1 server (${args.strategy}, ${where}) listening on ${running.url}`);
  if (args.faultsApi) console.log(`fault injection: POST ${running.url}/_faults`);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
