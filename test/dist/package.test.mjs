// What `npm run build` ships, checked as a user of the package sees it:
// the exports map resolves for import and require, each with declarations of
// its own module system, and the IIFE defines the global IDSync with the same
// exports. (lint.test.mjs and consumers.test.mjs check the packed tarball.)
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { pkg, root } from './packed.mjs';

const PUBLIC = ['createIdentity', 'LocalResolver', 'HttpBackend', 'IdentityError'];
const main = pkg.exports['.'];

// Every file an exports target names, with the conditions that lead to it.
function targets(value, conditions = []) {
  if (typeof value === 'string') return [{ conditions, file: value }];
  return Object.entries(value).flatMap(([key, next]) => targets(next, [...conditions, key]));
}

test('package.json describes the outputs, and each exists', () => {
  assert.equal(pkg.name, 'idsync-web');
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(Object.keys(pkg.dependencies), ['idb']);
  const files = [pkg.types, pkg.main, pkg.module, pkg.unpkg, ...Object.values(pkg.bin)];
  for (const file of [...files, ...targets(pkg.exports).map((t) => t.file)]) {
    assert.ok(existsSync(resolve(root, file)), `${file} exists`);
  }
});

test('each module entry: import and require, each typed by its own declaration', () => {
  for (const [subpath, value] of Object.entries(pkg.exports)) {
    if (typeof value === 'string' || !('import' in value || 'require' in value)) continue;
    // `types` first in each condition, and named after the file it types:
    // NAME.mjs with NAME.d.mts, NAME.cjs with NAME.d.cts.
    for (const [condition, ext] of [
      ['import', 'mts'],
      ['require', 'cts'],
    ]) {
      const { types, default: js } = value[condition];
      assert.equal(Object.keys(value[condition])[0], 'types', `${subpath} ${condition}`);
      assert.match(types, new RegExp(`\\.d\\.${ext}$`), `${subpath} ${condition} types`);
      if (js !== undefined) assert.equal(js.replace(/\.[cm]js$/, ''), types.replace(/\.d\.[cm]ts$/, ''));
    }
  }
});

test('TypeScript without exports support (moduleResolution node10) finds every subpath', () => {
  const subpaths = Object.keys(pkg.exports).filter((p) => p !== '.' && p !== './package.json');
  assert.deepEqual(Object.keys(pkg.typesVersions['*']).sort(), subpaths.map((p) => p.slice(2)).sort());
  assert.equal(pkg.types, main.require.types, 'node10 reads require-style declarations');
});

test('ESM import and CommonJS require expose the public API', async () => {
  const esm = await import(resolve(root, main.import.default));
  const cjs = createRequire(import.meta.url)(resolve(root, main.require.default));
  for (const name of PUBLIC) {
    assert.equal(typeof esm[name], 'function', `ESM ${name}`);
    assert.equal(typeof cjs[name], 'function', `CJS ${name}`);
  }
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
});

test('declarations: one self-contained file per module system, the public names in each', async () => {
  const esm = await import(resolve(root, main.import.default));
  const mts = readFileSync(resolve(root, main.import.types), 'utf8');
  const cts = readFileSync(resolve(root, main.require.types), 'utf8');
  assert.equal(cts, mts, 'the same declarations for both');
  // No relative import: nothing for node16 resolution to get wrong.
  assert.doesNotMatch(mts, /from\s+['"]\.{1,2}\//);
  for (const name of Object.keys(esm)) assert.match(mts, new RegExp(`\\b${name}\\b`), name);
});

test('the script-tag global is declared from the package\'s own types', () => {
  const global = readFileSync(resolve(root, pkg.exports['./global'].import.types), 'utf8');
  assert.match(global, /declare global \{\s+\/\*\*[\s\S]*?\*\/\s+var IDSync: IDSyncGlobal;/);
  assert.match(global, /from 'idsync-web'/);
  assert.doesNotMatch(global, /declare class/, 'no second copy of a class');
});

test('the IIFE is self-contained and defines IDSync with the same exports', async () => {
  const code = readFileSync(resolve(root, pkg.exports['./iife'].default), 'utf8');
  assert.doesNotMatch(code, /\brequire\(|\bimport\s*\(|from\s*["']idb["']/);
  const sandbox = { console };
  sandbox.window = sandbox;
  vm.runInNewContext(code, sandbox);
  const esm = await import(resolve(root, main.import.default));
  // Every export of the package, plus the page's one client (script tag only).
  const page = ['init', 'ready', 'identify', 'login', 'logout', 'modify', 'getClient'];
  assert.deepEqual(Object.keys(sandbox.IDSync).sort(), [...Object.keys(esm), ...page].sort());
});

// The chunks loaded on first use (alias outbox, attribute and consent rules)
// must resolve from the published layout, in both module systems. Node has no
// IndexedDB: the client runs on memory, the resolver with dbName: false.
for (const kind of ['import', 'require']) {
  test(`${kind}: the lazily loaded chunks resolve (alias, attributes, consent)`, async () => {
    const file = resolve(root, main[kind].default);
    const api =
      kind === 'import' ? await import(file) : createRequire(import.meta.url)(file);
    const backend = new api.LocalResolver({ strategy: 'link', dbName: false });
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const idsync = await api.createIdentity({ backend, storage: 'memory', logger: silent });
    const anonymous = idsync.currentUser;
    const { user } = await idsync.login({ userIdentities: { customerid: 'ABC123' } });
    await user.setAttribute('plan', 'pro');
    await user.setConsent({ ccpa: { data_sale_opt_out: { consented: false, timestamp: 1 } } });
    assert.equal(idsync.currentUser.attributes.plan, 'pro');
    await assert.rejects(user.setAttribute('__proto__', 1), { code: 'validation' });
    const request = idsync.createAliasRequest(anonymous, idsync.currentUser);
    assert.deepEqual(await idsync.aliasUsers(request), { httpCode: 202 });
    assert.equal(await idsync.pendingAliasCount(), 0);
    await idsync.close();
    await backend.close();
  });
}

// The SDK version is package.json's, written in at build time (rollup.config.js).
test('the built HttpBackend sends package.json version as client_sdk.sdk_version', async () => {
  const esm = await import(resolve(root, main.import.default));
  const bodies = [];
  const fetch = async (_url, init) => {
    bodies.push(JSON.parse(init.body));
    return new Response(JSON.stringify({ mpid: '5', is_logged_in: false }), { status: 200 });
  };
  const backend = new esm.HttpBackend({ baseUrl: 'https://id.test/v1', apiKey: 'k', fetch });
  const request = { knownIdentities: {}, previousMpid: null, environment: 'production', requestTimestampMs: 1 };
  assert.equal((await backend.identify(request)).mpid, '5');
  assert.equal(bodies[0].client_sdk.sdk_version, pkg.version);
  for (const file of [pkg.exports['./iife'].default, 'dist/server.mjs']) {
    const code = readFileSync(resolve(root, file), 'utf8');
    assert.doesNotMatch(code, /__SDK_VERSION__/, `${file} has no unreplaced version token`);
  }
});

// The server's half of the IDSync v1 codec (src/idsync-v1/server.ts) reads
// request bodies: Node only, never in what a browser loads.
test('the browser outputs carry no server-side codec', () => {
  const chunks = readdirSync(resolve(root, 'dist/chunks')).map((name) => `dist/chunks/${name}`);
  for (const file of [pkg.exports['./iife'].default, main.import.default, ...chunks]) {
    if (file.endsWith('.map')) continue;
    const code = readFileSync(resolve(root, file), 'utf8');
    assert.doesNotMatch(code, /must be a JSON object|known_identities\./, file);
  }
  assert.match(readFileSync(resolve(root, 'dist/server.mjs'), 'utf8'), /must be a JSON object/);
});
