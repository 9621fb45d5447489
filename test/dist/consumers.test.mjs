// The packed tarball installed into small consumer projects (test/consumers),
// as users of other setups would: README's TypeScript examples type-check with
// TypeScript 5.0, 5.9 and 6.0 under moduleResolution node16 (as ESM and as
// CommonJS) and bundler; a page using the script tag's global type-checks; and
// Node runs a `require` and an `import` of the installed package.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { pack, root } from './packed.mjs';

const fixtures = join(root, 'test/consumers');

// TypeScript 5.0 and 5.9 come with the project's lockfile, each nested in a
// folder of test/consumers so that its `tsc` never shadows the project's own.
const compilers = {
  '5.0': createRequire(join(fixtures, 'typescript-5.0/package.json'))('typescript'),
  '5.9': createRequire(join(fixtures, 'typescript-5.9/package.json'))('typescript'),
  '6.0': createRequire(join(root, 'package.json'))('typescript'),
};
const PROJECTS = ['node16-esm', 'node16-cjs', 'bundler', 'script-tag'];

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const tsExamples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
// The inline scripts of README's HTML examples that call the global, except
// the loader snippet itself (plain ES5, checked by its own tests).
const pageExamples = [...readme.matchAll(/```html\n([\s\S]*?)```/g)]
  .flatMap((m) => [...m[1].matchAll(/<script>([\s\S]*?)<\/script>/g)].map((s) => s[1]))
  .filter((code) => /\bIDSync\.\w+\(/.test(code) && !code.startsWith('!function'));
// README's TypeScript for script-tag pages: fenced as `typescript`, since the
// jest check of the `ts` blocks resolves the package entry alone, not its global.
const pageTsExamples = [...readme.matchAll(/```typescript\n([\s\S]*?)```/g)].map((m) => m[1]);

// A CommonJS file has no top-level await: its copy of an example keeps the
// imports and `declare`s at the top and runs the rest in an async function.
function asCommonJs(ts, code) {
  const file = ts.createSourceFile('example.ts', code, ts.ScriptTarget.ES2022, true);
  const top = [];
  const body = [];
  for (const statement of file.statements) {
    const declared = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    const hoist = ts.isImportDeclaration(statement) || declared;
    (hoist ? top : body).push(statement.getFullText(file));
  }
  return `${top.join('')}\n\nexport async function example(): Promise<void> {${body.join('')}\n}\n`;
}

let packed;
let consumers;
before(() => {
  packed = pack('idsync-consumers-');
  consumers = packed.dir;
  // A real install of the tarball. Its one dependency (idb) is the project's
  // own copy, linked: offline, npm could not resolve a version range from its
  // cache (`npm ci` stores packages, not the registry's lists of versions).
  const idb = { idb: `file:${join(root, 'node_modules/idb')}` };
  writeFileSync(join(consumers, 'package.json'), JSON.stringify({ private: true, dependencies: idb }));
  execFileSync(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', packed.tarball],
    { cwd: consumers, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  for (const project of [...PROJECTS, 'node']) {
    cpSync(join(fixtures, project), join(consumers, project), { recursive: true });
  }
  tsExamples.forEach((code, i) => {
    for (const project of ['node16-esm', 'bundler']) {
      writeFileSync(join(consumers, project, `readme-${i + 1}.ts`), code);
    }
    const cjs = asCommonJs(compilers['6.0'], code);
    writeFileSync(join(consumers, 'node16-cjs', `readme-${i + 1}.ts`), cjs);
  });
  pageTsExamples.forEach((code, i) => {
    // As written: its reference directive must work at the top of a page script.
    writeFileSync(join(consumers, 'script-tag', `readme-typescript-${i + 1}.ts`), code);
  });
  pageExamples.forEach((code, i) => {
    // Each in a block of its own: page scripts share one global scope.
    const page = `/// <reference types="idsync-web/global" />\n{${code}}\n`;
    writeFileSync(join(consumers, 'script-tag', `readme-page-${i + 1}.ts`), page);
  });
});
after(() => packed?.remove());

test('README has examples for every kind of consumer', () => {
  assert.ok(tsExamples.length >= 2, 'TypeScript examples');
  assert.ok(pageExamples.length >= 2, 'script-tag examples');
  assert.ok(pageTsExamples.length >= 1, 'script-tag TypeScript examples');
  assert.ok(pageTsExamples.every((code) => code.includes('idsync-web/global')));
});

// Lib files (lib.dom.d.ts above all) are parsed once per compiler, not once
// per project: the suite stays within its time budget.
function cachingHost(ts, options, cache) {
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, target, ...rest) => {
    if (!fileName.startsWith(ts.getDirectoryPath(ts.getDefaultLibFilePath(options)))) {
      return read(fileName, target, ...rest);
    }
    const key = `${fileName}|${JSON.stringify(target)}`;
    if (!cache.has(key)) cache.set(key, read(fileName, target, ...rest));
    return cache.get(key);
  };
  return host;
}

function typeCheck(ts, project, cache) {
  const dir = join(consumers, project);
  const { config } = ts.readConfigFile(join(dir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  assert.deepEqual(parsed.errors, [], `${project}/tsconfig.json`);
  const host = cachingHost(ts, parsed.options, cache);
  const program = ts.createProgram(parsed.fileNames, parsed.options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${relative(consumers, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} `
      : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
  // Which declaration each project was given: the one for its module system.
  const declarations = program
    .getSourceFiles()
    .map((file) => relative(consumers, file.fileName))
    .filter((name) => name.startsWith('node_modules/idsync-web/'))
    .sort();
  return { problems, declarations, files: parsed.fileNames.length };
}

const EXPECTED_DECLARATIONS = {
  'node16-esm': ['node_modules/idsync-web/dist/idsync.d.mts'],
  'node16-cjs': ['node_modules/idsync-web/dist/idsync.d.cts'],
  bundler: ['node_modules/idsync-web/dist/idsync.d.mts'],
  'script-tag': [
    'node_modules/idsync-web/dist/global.d.mts',
    'node_modules/idsync-web/dist/idsync.d.mts',
  ],
};

for (const [version, ts] of Object.entries(compilers)) {
  test(`TypeScript ${version} (${ts.version}): every consumer project type-checks`, () => {
    assert.ok(ts.version.startsWith(`${version}.`), `${ts.version} is ${version}`);
    const cache = new Map();
    for (const project of PROJECTS) {
      const { problems, declarations, files } = typeCheck(ts, project, cache);
      assert.deepEqual(problems, [], `${project} with TypeScript ${ts.version}`);
      assert.deepEqual(declarations, EXPECTED_DECLARATIONS[project], `${project} declarations`);
      assert.ok(files >= (project === 'script-tag' ? 5 : tsExamples.length), `${project} files`);
    }
  });
}

test('the page checks fail where they should (the fixture is not vacuous)', () => {
  const dir = join(consumers, 'script-tag');
  const page = readFileSync(join(dir, 'page.ts'), 'utf8');
  writeFileSync(join(dir, 'page.ts'), `${page}\nIDSync.init({ backend: 1 });\nIDSync.nothing();\n`);
  try {
    const { problems } = typeCheck(compilers['6.0'], 'script-tag', new Map());
    assert.equal(problems.length, 2, problems.join('\n'));
  } finally {
    writeFileSync(join(dir, 'page.ts'), page);
  }
});

for (const file of readdirSync(join(fixtures, 'node'))) {
  test(`Node runs ${file} against the installed package`, () => {
    const out = execFileSync(process.execPath, [file], {
      cwd: join(consumers, 'node'),
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), {
      system: file.endsWith('.cjs') ? 'commonjs' : 'esm',
      plan: 'pro',
      loggedIn: true,
      refused: 'validation',
      iife: true,
    });
  });
}
