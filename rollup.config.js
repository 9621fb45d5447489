import { readFileSync, rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import replace from '@rollup/plugin-replace';
import { dts } from 'rollup-plugin-dts';

const root = dirname(fileURLToPath(import.meta.url));

// src/version.ts: the SDK version sent as client_sdk.sdk_version is package.json's.
// Runs after TypeScript, on the emitted JavaScript, where `declare const` is gone.
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const sdkVersion = () =>
  replace({ preventAssignment: true, values: { __SDK_VERSION__: JSON.stringify(version) } });

// Every build starts from an empty dist/: `npm pack` ships the folder, and a
// chunk or declaration left by an earlier build must not ship with it.
rmSync(resolve(root, 'dist'), { recursive: true, force: true });

// The package's module entry points, one line each: `import` gets dist/NAME.mjs
// typed by dist/NAME.d.mts, `require` gets dist/NAME.cjs typed by
// dist/NAME.d.cts. package.json names the same files in its exports map (and
// the subpath in typesVersions, for node10); test/dist checks both and runs
// attw on every subpath, so a new entry is this line plus those two. Each
// entry is built on its own, so entries share no chunk and no declaration
// file. `external` lists what stays an import (the runtime dependencies, or
// Node's built-ins for a Node-only entry); `tsconfig` is the project whose
// compiler options (lib, types) fit the entry.
const modules = [
  { name: 'idsync', input: 'src/index.ts', external: ['idb'], tsconfig: './tsconfig.json' },
  // `idsync-web/server`: the identity cookie on the site's own Node server.
  {
    name: 'site-server',
    input: 'src/site-server/index.ts',
    external: [],
    tsconfig: './src/site-server/tsconfig.json',
  },
];

// Chunks for code that the lazy alias outbox shares with the backends: kept
// apart from the entry so that a page using just the client loads none of it
// at start-up; the small base they build on is its own chunk too, or rollup
// would pull it into theirs.
const manualChunks = (id) => {
  const path = id.replace(/\\/g, '/');
  if (/\/src\/(retry|validation\/alias)\.ts$/.test(path)) return 'alias-shared';
  // The in-page resolver and its IndexedDB store (the one user of idb): a chunk
  // of its own, so that an app using just the client does not bundle idb.
  if (/\/src\/backends\/local\//.test(path)) return 'resolver';
  if (/\/src\/(errors|validation\/plain)\.ts$/.test(path)) return 'base';
  // What checks identities and MPIDs: only code loaded after start-up (the
  // calls, the tab connection) and the backends need it, so it is a chunk of
  // its own, not part of the base that start-up loads.
  if (/\/src\/(identity-types|validation\/(mpid|identities))\.ts$/.test(path)) {
    return 'identities';
  }
  return undefined;
};

const isExternal = (external) => (id) =>
  id.startsWith('node:') || external.some((name) => id === name || id.startsWith(`${name}/`));

// One TypeScript pass per output kind. Declarations come from rollup-plugin-dts
// below, not from this pass; noEmit is lifted for projects that are
// type-check-only on their own (src/server/tsconfig.json).
const ts = (tsconfig) =>
  typescript({ tsconfig, noEmit: false, declaration: false, outDir: 'dist', sourceMap: true });

// ESM and CommonJS of one entry. Code most pages never run (the alias outbox)
// is a dynamic import: its own chunk in both builds.
const moduleBuild = ({ name, input, external, tsconfig }) => ({
  input,
  external: isExternal(external),
  output: ['es', 'cjs'].map((format) => {
    const ext = format === 'es' ? 'mjs' : 'cjs';
    return {
      dir: 'dist',
      entryFileNames: `${name}.${ext}`,
      chunkFileNames: `chunks/[name]-[hash].${ext}`,
      manualChunks,
      format,
      sourcemap: true,
      // No bare `import 'idb'` hoisted into the entry: only the resolver's
      // IndexedDB store uses idb, and an app that never imports it must not load it.
      ...(format === 'es' ? { hoistTransitiveImports: false } : {}),
      ...(format === 'cjs' ? { exports: 'named' } : {}),
    };
  }),
  plugins: [ts(tsconfig), sdkVersion()],
});

// The declarations of one entry, bundled into one file per module system: a
// bundled file imports nothing relative, so it resolves the same under every
// moduleResolution (node10, node16, bundler) with no file extensions to get
// right, and users see the public surface, not the layout of src/. The two
// files have the same text; their extensions tell TypeScript which module
// system each describes, as the .mjs/.cjs next to them do.
const declarationBuild = ({ name, input, external, tsconfig }) => ({
  input,
  external: isExternal(external),
  output: ['mts', 'cts'].map((ext) => ({ file: `dist/${name}.d.${ext}`, format: 'es' })),
  plugins: [dts({ tsconfig, compilerOptions: { declarationMap: false } })],
});

// The script-tag global (`idsync-web/global`): its library types come from the
// package's own entry (`import ... from 'idsync-web'`), not from a copy, so a
// page that also imports the package sees one IdentityError, one LocalResolver.
// Only the page API (src/page/page.ts) is bundled in.
const ownEntry = resolve(root, 'src/index.ts');
const pageApi = resolve(root, 'src/page/page.ts');
const libraryFromPackage = {
  name: 'library-from-package',
  async resolveId(source, importer, options) {
    if (importer === undefined) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    if (resolved === null || resolved.external) return resolved;
    const file = resolved.id;
    const inSrc = !relative(resolve(root, 'src'), file).startsWith('..');
    if (file === ownEntry || (inSrc && importer === pageApi)) {
      return { id: 'idsync-web', external: true };
    }
    return resolved;
  },
};

// Drops one expected warning of a build, passes on the rest.
const quiet = (code) => (warning, warn) => {
  if (warning.code !== code) warn(warning);
};

export default [
  ...modules.flatMap((entry) => [moduleBuild(entry), declarationBuild(entry)]),
  {
    input: 'src/global.d.ts',
    output: ['mts', 'cts'].map((ext) => ({ file: `dist/global.d.${ext}`, format: 'es' })),
    plugins: [libraryFromPackage, dts({ tsconfig: './tsconfig.json' })],
    // page.ts imports values for its code; its declarations use only types.
    onwarn: quiet('UNUSED_EXTERNAL_IMPORT'),
  },
  {
    // `idsync-web/iife` and `idsync-web/snippet` are classic scripts: their
    // declaration says there is nothing to import (see the file).
    input: 'src/script.d.ts',
    output: { file: 'dist/script.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    onwarn: quiet('EMPTY_BUNDLE'),
  },
  {
    // The script-tag bundle: the library plus the page singleton that takes
    // over the loader snippet's queue (src/iife.ts). It inlines `idb` and the
    // lazily loaded chunks: a <script> tag loads one file.
    input: 'src/iife.ts',
    output: {
      file: 'dist/idsync.iife.js',
      format: 'iife',
      name: 'IDSync',
      sourcemap: true,
      exports: 'named',
      inlineDynamicImports: true,
    },
    plugins: [nodeResolve({ browser: true }), ts('./tsconfig.json'), sdkVersion(), terser()],
  },
  {
    // The loader snippet, ES5, minified as-is (it is its own IIFE).
    input: 'src/snippet/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es' },
    plugins: [terser({ ecma: 5, module: false, format: { comments: false } })],
  },
  {
    // The local IDSync server (`npm run server`, bin `idsync-server`): Node
    // only, never part of the browser bundles. Its database drivers are
    // optional dependencies it loads when a store needs them.
    input: 'src/server/cli.ts',
    external: (id) => id.startsWith('node:') || ['idb', 'better-sqlite3', 'pg'].includes(id),
    output: { file: 'dist/server.mjs', format: 'es', banner: '#!/usr/bin/env node' },
    plugins: [
      typescript({
        tsconfig: './src/server/tsconfig.json',
        noEmit: false,
        declaration: false,
        outDir: 'dist',
        sourceMap: false,
      }),
      sdkVersion(),
    ],
  },
];
