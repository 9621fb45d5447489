// The package as npm publishes it: `npm pack` of the built tree, into a
// temporary folder that the caller removes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Packs the package; `tarball` is its path, `dir` the folder it is in, `remove` cleans up. */
export function pack(prefix = 'idsync-packed-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [{ filename, files }] = JSON.parse(out);
  return {
    dir,
    tarball: join(dir, filename),
    files: files.map((file) => file.path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The subpaths of package.json's exports map, '.' first. */
export const subpaths = Object.keys(pkg.exports);
