/** `idsync-server`: the local IDSync v1 server from the command line, and `idsync-server import`. */
import { parseImportArgs, parseServerArgs, USAGE } from './args';
import { runImport, runServer } from './run';
import { describeStore } from './stores/open-store';

/** Bad arguments: say what is wrong, show the usage, exit 2. */
function parse<T>(parser: (argv: string[]) => T, argv: string[]): T | undefined {
  try {
    return parser(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }
}

async function serve(argv: string[]): Promise<void> {
  const args = parse(parseServerArgs, argv);
  if (args === undefined) return;
  if (args.help) return void console.log(USAGE);
  const running = await runServer(args);
  const where = describeStore(args.store);
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

async function importFile(argv: string[]): Promise<void> {
  const args = parse(parseImportArgs, argv);
  if (args === undefined) return;
  const { imported, total } = await runImport(args);
  console.log(
    `imported ${imported} profiles from ${args.file}; ${describeStore(args.store)}: ${total}`,
  );
}

const argv = process.argv.slice(2);
(argv[0] === 'import' ? importFile(argv.slice(1)) : serve(argv)).catch((error: unknown) => {
  // A store that cannot be opened, a port in use, a refused import: the message names it.
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
