// Size of the identity cookie code the client loads (dynamic import) when the
// `cookie` option is set: src/cookie/index.ts bundled from source, minified
// with terser, gzip -9. "lazy" leaves out what the core bundle already ships
// (IdentityError and the shared validation base), as the built chunk does;
// "standalone" inlines them. `node bench/cookie-size.mjs` prints both.
import typescript from '@rollup/plugin-typescript';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { minify } from 'terser';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The modules of the core's `base` chunk (rollup.config.js manualChunks). */
const IN_CORE = /\/src\/(errors|identity-types|validation\/(plain|mpid|identities))\.ts$/;

export async function cookieModuleSize({ standalone = false } = {}) {
  const bundle = await rollup({
    input: resolve(root, 'src/cookie/index.ts'),
    external: (id, importer) =>
      !standalone && importer !== undefined && IN_CORE.test(resolve(importer, '..', `${id}.ts`)),
    plugins: [
      typescript({
        tsconfig: resolve(root, 'tsconfig.json'),
        declaration: false,
        outDir: undefined,
        sourceMap: false,
        noEmitOnError: true,
      }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  const { code } = await minify(output[0].code, { module: true });
  return { min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const standalone of [false, true]) {
    const { min, gzip } = await cookieModuleSize({ standalone });
    console.log(
      `cookie module (${standalone ? 'standalone' : 'lazy, beside the core'})`.padEnd(44) +
        `min ${min} B   min+gz ${gzip} B`,
    );
  }
}
