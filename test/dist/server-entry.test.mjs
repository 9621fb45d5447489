// `idsync-web/server` as a Node user of the package gets it: the exports map
// resolves for import and require, the declarations exist, and the built
// handler and parser agree with each other.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const entry = pkg.exports['./server'];

test('./server resolves for import and require, with declarations', async () => {
  const files = [entry.import.types, entry.import.default, entry.require.types, entry.require.default];
  for (const file of files) {
    assert.ok(existsSync(resolve(root, file)), `${file} exists`);
  }
  const esm = await import(resolve(root, entry.import.default));
  const cjs = createRequire(import.meta.url)(resolve(root, entry.require.default));
  for (const api of [esm, cjs]) {
    assert.equal(typeof api.parseIdentityCookie, 'function');
    assert.equal(typeof api.identityCookieHandler, 'function');
  }
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  const dts = readFileSync(resolve(root, entry.import.types), 'utf8');
  assert.match(dts, /parseIdentityCookie/);
  assert.match(dts, /identityCookieHandler/);
});

test('the built handler sets a cookie that the built parser reads back', async () => {
  const { identityCookieHandler, parseIdentityCookie } = await import(resolve(root, entry.import.default));
  const state = { deviceId: 'device-1', mpid: '42', isLoggedIn: true, revision: 3 };
  const headers = {};
  const res = {
    statusCode: 0,
    setHeader: (name, value) => (headers[name] = value),
    end() {},
  };
  const req = {
    method: 'POST',
    headers: { host: 'www.example.com', 'content-type': 'application/json' },
    body: { ...state, domain: 'example.com' },
  };
  await identityCookieHandler()(req, res);
  assert.equal(res.statusCode, 204);
  assert.match(headers['set-cookie'], /; Domain=example\.com$/);
  assert.deepEqual(parseIdentityCookie(headers['set-cookie'].split(';')[0]), state);
});

test('the demo server answers the cookie refresh with the built handler', async () => {
  const { startDemoServer, COOKIE_REFRESH_PATH } = await import(resolve(root, 'demo/serve.mjs'));
  const server = await startDemoServer({ port: 0 });
  try {
    const url = new URL(COOKIE_REFRESH_PATH, server.url);
    const state = { deviceId: 'device-1', mpid: '42', isLoggedIn: false, revision: 1 };
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...state, domain: null }),
    });
    assert.equal(ok.status, 204);
    assert.match(ok.headers.get('set-cookie'), /^idsync=idsync\.1\.device-1\.42\.0\.1\.\w+; Max-Age=34128000; Path=\/; SameSite=Lax$/);
    const bad = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...state, revision: -1, domain: null }),
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('set-cookie'), null);
  } finally {
    await server.close();
  }
});
