// The packed tarball through the field's two package checkers, as a user's
// toolchain would meet it: @arethetypeswrong/cli (types under node10, node16
// from CommonJS, node16 from ESM, bundler) for every entry of the exports map,
// and publint (package.json against the files that ship).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { pack, pkg, root, subpaths } from './packed.mjs';

// `idsync-web/iife` and `idsync-web/snippet` are classic browser scripts, not
// modules: Node reads a .js file of this package as ESM, so a `require` of them
// is "ESM (dynamic import only)". Nothing is importable from them either way
// (their declaration says so). That finding, for those two entries under
// node16 from CommonJS, is the only one expected; any other fails.
const SCRIPTS = new Set(['./iife', './snippet']);
const expected = (problem) =>
  problem.kind === 'CJSResolvesToESM' &&
  problem.resolutionKind === 'node16-cjs' &&
  SCRIPTS.has(problem.entrypoint);

let packed;
before(() => {
  packed = pack('idsync-lint-');
});
after(() => packed?.remove());

const attw = (...args) =>
  spawnSync(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), packed.tarball, ...args], {
    encoding: 'utf8',
  });

test('attw: every entry of the exports map resolves to the right types everywhere', () => {
  const run = attw('--format', 'json');
  assert.equal(run.stderr, '', run.stderr);
  const { analysis } = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(analysis.entrypoints).sort(), [...subpaths].sort(), 'entries checked');
  for (const entry of subpaths) {
    const kinds = Object.keys(analysis.entrypoints[entry].resolutions).sort();
    assert.deepEqual(kinds, ['bundler', 'node10', 'node16-cjs', 'node16-esm'], entry);
  }
  assert.deepEqual(
    analysis.problems.filter((problem) => problem.entrypoint === '.'),
    [],
    '"." has no problem under any resolution',
  );
  const problems = analysis.problems.filter((problem) => !expected(problem));
  // The table says what is wrong in the words of attw's documentation.
  assert.deepEqual(problems, [], problems.length ? attw('--format', 'ascii').stdout : '');
  assert.ok(!pkg.exports['.'].types, '"." types per condition, not one file for both');
});

test('publint: nothing to report', async () => {
  const tarball = readFileSync(packed.tarball);
  const { messages, pkg: linted } = await publint({
    pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length) },
    level: 'suggestion',
    strict: true,
  });
  assert.deepEqual(
    messages.map((message) => `${message.type}: ${formatMessage(message, linted) ?? message.code}`),
    [],
  );
});
