// Bundle size, minified + gzipped, of what an app really ships: each entry is
// tree-shaken from the built ESM (dist/idsync.mjs) with `idb` bundled in, then
// minified with terser. Run `npm run build` first (npm run bench:size does).
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { minify } from 'terser';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const esm = resolve(root, 'dist/idsync.mjs');

/** name → the import an app would write */
export const ENTRIES = {
  'core (createIdentity + idb)': 'createIdentity, IdentityError',
  'resolver (LocalResolver)': 'LocalResolver',
  'http (HttpBackend)': 'HttpBackend',
  'everything (ESM)': '*',
};

function virtualEntry(code) {
  return {
    name: 'virtual-entry',
    resolveId: (id) => (id === '\0entry' ? id : null),
    load: (id) => (id === '\0entry' ? code : null),
  };
}

export async function bundleSize(names) {
  const code =
    names === '*'
      ? `export * from ${JSON.stringify(esm)};`
      : `export { ${names} } from ${JSON.stringify(esm)};`;
  const bundle = await rollup({
    input: '\0entry',
    plugins: [virtualEntry(code), nodeResolve({ browser: true })],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser()] });
  await bundle.close();
  // What a page loads at start-up: the entry and every chunk it imports
  // statically. Chunks behind a dynamic import (the alias outbox) count as `lazy`.
  const chunks = new Map(output.filter((o) => o.type === 'chunk').map((c) => [c.fileName, c]));
  const eager = new Set();
  const visit = (chunk) => {
    if (eager.has(chunk)) return;
    eager.add(chunk);
    for (const name of chunk.imports) if (chunks.has(name)) visit(chunks.get(name));
  };
  visit([...chunks.values()].find((c) => c.isEntry));
  const text = [...eager].map((c) => c.code).join('\n');
  const lazy = [...chunks.values()]
    .filter((c) => !eager.has(c))
    .map((c) => c.code)
    .join('\n');
  return {
    min: Buffer.byteLength(text),
    gzip: gzipSync(text, { level: 9 }).length,
    lazyGzip: lazy ? gzipSync(lazy, { level: 9 }).length : 0,
  };
}

export async function fileSize(path) {
  const text = await readFile(resolve(root, path));
  return { min: text.length, gzip: gzipSync(text, { level: 9 }).length };
}

/**
 * The yardstick: the mParticle Web SDK's browser build as published on npm,
 * `dist/mparticle.js` (the IIFE that defines `window.mParticle`; the package's
 * other two files are its CommonJS and ESM builds). It ships unminified, so it
 * is minified here with terser's defaults, as rollup's terser plugin does ours.
 */
export const MPARTICLE_BROWSER_BUILD = 'node_modules/@mparticle/web-sdk/dist/mparticle.js';

export async function mparticleSize() {
  const source = await readFile(resolve(root, MPARTICLE_BROWSER_BUILD), 'utf8');
  const { version } = JSON.parse(
    await readFile(resolve(root, 'node_modules/@mparticle/web-sdk/package.json'), 'utf8'),
  );
  const { code } = await minify(source);
  return {
    version,
    raw: Buffer.byteLength(source),
    min: Buffer.byteLength(code),
    gzip: gzipSync(code, { level: 9 }).length,
  };
}

export async function measureSizes() {
  const rows = {};
  for (const [name, names] of Object.entries(ENTRIES)) {
    try {
      rows[name] = await bundleSize(names);
    } catch (error) {
      rows[name] = { error: String(error.message ?? error).split('\n')[0] };
    }
  }
  rows['IIFE (dist/idsync.iife.js)'] = await fileSize('dist/idsync.iife.js');
  try {
    const mp = await mparticleSize();
    rows[`@mparticle/web-sdk ${mp.version} (mparticle.js, terser)`] = mp;
  } catch (error) {
    rows['@mparticle/web-sdk'] = { error: String(error.message ?? error).split('\n')[0] };
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await measureSizes();
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  for (const [name, row] of Object.entries(rows)) {
    console.log(
      row.error
        ? `${name.padEnd(48)} ${row.error}`
        : `${name.padEnd(48)} min ${kb(row.min).padStart(9)}   min+gz ${kb(row.gzip).padStart(9)}` +
            (row.lazyGzip ? `   + lazy ${kb(row.lazyGzip)} gz` : ''),
    );
  }
}
