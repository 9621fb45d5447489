// The project's local IDSync server, as users run it: dist/server.mjs (the
// CLI is all the build exposes), as a child process on a free port, quiet.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = resolve(fileURLToPath(new URL('..', import.meta.url)), 'dist/server.mjs');

export function startIdsyncServer(strategy = 'conversion') {
  const child = spawn(
    process.execPath,
    [SERVER, '--port', '0', '--quiet', '--store', 'memory', '--strategy', strategy],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`IDSync server did not start within 10 s:\n${output}`));
    }, 10_000);
    const read = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const url = new URL(match[1]);
      done({
        url: match[1],
        host: url.host,
        stop: () =>
          new Promise((stopped) => {
            if (child.exitCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.setEncoding('utf8').on('data', read);
    child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`IDSync server exited with ${code}:\n${output}`));
    });
  });
}
