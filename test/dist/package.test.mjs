// What `npm run build` ships, checked as a user of the package sees it:
// the exports map resolves for import and require, the types exist, and the
// IIFE defines the global IDSync with the same exports.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const PUBLIC = ['createIdentity', 'LocalResolver', 'HttpBackend', 'IdentityError'];

test('package.json describes the four outputs', () => {
  assert.equal(pkg.name, 'idsync-web');
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(Object.keys(pkg.dependencies), ['idb']);
  for (const file of [pkg.types, pkg.main, pkg.module, pkg.exports['.'].import, pkg.exports['.'].require, pkg.exports['./iife']]) {
    assert.ok(existsSync(resolve(root, file)), `${file} exists`);
  }
});

test('ESM import and CommonJS require expose the public API', async () => {
  const esm = await import(resolve(root, pkg.exports['.'].import));
  const cjs = createRequire(import.meta.url)(resolve(root, pkg.exports['.'].require));
  for (const name of PUBLIC) {
    assert.equal(typeof esm[name], 'function', `ESM ${name}`);
    assert.equal(typeof cjs[name], 'function', `CJS ${name}`);
  }
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
});

test('type declarations export the public names', () => {
  const dts = readFileSync(resolve(root, pkg.types), 'utf8');
  for (const name of PUBLIC) assert.match(dts, new RegExp(`\\b${name}\\b`), name);
});

test('the IIFE is self-contained and defines IDSync with the same exports', async () => {
  const code = readFileSync(resolve(root, pkg.exports['./iife']), 'utf8');
  assert.doesNotMatch(code, /\brequire\(|\bimport\s*\(|from\s*["']idb["']/);
  const sandbox = { console };
  sandbox.window = sandbox;
  vm.runInNewContext(code, sandbox);
  const esm = await import(resolve(root, pkg.exports['.'].import));
  // Every export of the package, plus the page's one client (script tag only).
  const page = ['init', 'ready', 'identify', 'login', 'logout', 'modify', 'getClient'];
  assert.deepEqual(Object.keys(sandbox.IDSync).sort(), [...Object.keys(esm), ...page].sort());
});

// The chunks loaded on first use (alias outbox, attribute and consent rules)
// must resolve from the published layout, in both module systems. Node has no
// IndexedDB: the client runs on memory, the resolver with dbName: false.
for (const kind of ['import', 'require']) {
  test(`${kind}: the lazily loaded chunks resolve (alias, attributes, consent)`, async () => {
    const file = resolve(root, pkg.exports['.'][kind]);
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
  const esm = await import(resolve(root, pkg.exports['.'].import));
  const bodies = [];
  const fetch = async (_url, init) => {
    bodies.push(JSON.parse(init.body));
    return new Response(JSON.stringify({ mpid: '5', is_logged_in: false }), { status: 200 });
  };
  const backend = new esm.HttpBackend({ baseUrl: 'https://id.test/v1', apiKey: 'k', fetch });
  const request = { knownIdentities: {}, previousMpid: null, environment: 'production', requestTimestampMs: 1 };
  assert.equal((await backend.identify(request)).mpid, '5');
  assert.equal(bodies[0].client_sdk.sdk_version, pkg.version);
  for (const file of [pkg.exports['./iife'], 'dist/server.mjs']) {
    const code = readFileSync(resolve(root, file), 'utf8');
    assert.doesNotMatch(code, /__SDK_VERSION__/, `${file} has no unreplaced version token`);
  }
});

// The server's half of the IDSync v1 codec (src/idsync-v1/server.ts) reads
// request bodies: Node only, never in what a browser loads.
test('the browser outputs carry no server-side codec', () => {
  const chunks = readdirSync(resolve(root, 'dist/chunks')).map((name) => `dist/chunks/${name}`);
  for (const file of [pkg.exports['./iife'], pkg.exports['.'].import, ...chunks]) {
    if (file.endsWith('.map')) continue;
    const code = readFileSync(resolve(root, file), 'utf8');
    assert.doesNotMatch(code, /must be a JSON object|known_identities\./, file);
  }
  assert.match(readFileSync(resolve(root, 'dist/server.mjs'), 'utf8'), /must be a JSON object/);
});
