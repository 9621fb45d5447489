import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import replace from '@rollup/plugin-replace';
import { readFileSync } from 'node:fs';

// src/version.ts: the SDK version sent as client_sdk.sdk_version is package.json's.
// Runs after TypeScript, on the emitted JavaScript, where `declare const` is gone.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const sdkVersion = () =>
  replace({ preventAssignment: true, values: { __SDK_VERSION__: JSON.stringify(version) } });

// One TypeScript pass per output kind; the library bundles keep `idb` external
// (it is the one runtime dependency), the IIFE inlines it for a <script> tag.
// Code most pages never run (the alias outbox) is a dynamic import: its own
// chunk in the ESM and CommonJS builds, inlined in the IIFE.
const ts = (declarations) =>
  typescript({
    tsconfig: './tsconfig.json',
    declaration: declarations,
    declarationDir: declarations ? 'dist' : undefined,
    outDir: 'dist',
    sourceMap: true,
  });

// Chunks for code that the lazy alias outbox shares with the backends: kept
// apart from the entry so that a page using just the client loads none of it
// at start-up; the small base they build on is its own chunk too, or rollup
// would pull it into theirs.
const manualChunks = (id) => {
  const path = id.replace(/\\/g, '/');
  if (/\/src\/(retry|validation\/alias)\.ts$/.test(path)) return 'alias-shared';
  if (/\/src\/(errors|identity-types|validation\/(plain|mpid|identities))\.ts$/.test(path)) {
    return 'base';
  }
  // What the lazy identity cookie chunk shares with the client (src/client/adopt.ts).
  if (/\/src\/(client\/adopt|cookie\/revision|uuid)\.ts$/.test(path)) return 'base';
  return undefined;
};

export default [
  {
    input: 'src/index.ts',
    external: ['idb'],
    output: [
      {
        dir: 'dist',
        entryFileNames: 'idsync.mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs',
        manualChunks,
        // No bare `import 'idb'` hoisted into the entry: only the resolver's
        // IndexedDB store uses idb, and an app that never imports it must not load it.
        hoistTransitiveImports: false,
        format: 'es',
        sourcemap: true,
      },
      {
        dir: 'dist',
        entryFileNames: 'idsync.cjs',
        chunkFileNames: 'chunks/[name]-[hash].cjs',
        manualChunks,
        format: 'cjs',
        sourcemap: true,
        exports: 'named',
      },
    ],
    plugins: [ts(true), sdkVersion()],
  },
  {
    // The script-tag bundle: the library plus the page singleton that takes
    // over the loader snippet's queue (src/iife.ts).
    input: 'src/iife.ts',
    output: {
      file: 'dist/idsync.iife.js',
      format: 'iife',
      name: 'IDSync',
      sourcemap: true,
      exports: 'named',
      inlineDynamicImports: true,
    },
    plugins: [nodeResolve({ browser: true }), ts(false), sdkVersion(), terser()],
  },
  {
    // The loader snippet, ES5, minified as-is (it is its own IIFE).
    input: 'src/snippet/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es' },
    plugins: [terser({ ecma: 5, module: false, format: { comments: false } })],
  },
  {
    // `idsync-web/server`: the identity cookie on the site's own Node server
    // (parseIdentityCookie, identityCookieHandler). Its own block and its own
    // tsconfig (the entry and what it imports), declarations under
    // dist/server-types/, so it never shares chunks with the browser bundles.
    input: { 'site-server': 'src/site-server/index.ts' },
    output: [
      { dir: 'dist', entryFileNames: '[name].mjs', format: 'es' },
      { dir: 'dist', entryFileNames: '[name].cjs', format: 'cjs', exports: 'named' },
    ],
    plugins: [
      typescript({
        tsconfig: './src/site-server/tsconfig.json',
        declaration: true,
        declarationDir: 'dist/server-types',
        outDir: 'dist',
        sourceMap: false,
      }),
    ],
  },
  {
    // The local IDSync server (`npm run server`, bin `idsync-server`): Node
    // only, never part of the browser bundles.
    input: 'src/server/cli.ts',
    external: (id) => id.startsWith('node:') || id === 'idb',
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
