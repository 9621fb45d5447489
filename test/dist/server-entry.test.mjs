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
  for (const file of [entry.types, entry.import, entry.require]) {
    assert.ok(existsSync(resolve(root, file)), `${file} exists`);
  }
  const esm = await import(resolve(root, entry.import));
  const cjs = createRequire(import.meta.url)(resolve(root, entry.require));
  for (const api of [esm, cjs]) {
    assert.equal(typeof api.parseIdentityCookie, 'function');
    assert.equal(typeof api.identityCookieHandler, 'function');
  }
  assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
  const dts = readFileSync(resolve(root, entry.types), 'utf8');
  assert.match(dts, /parseIdentityCookie/);
  assert.match(dts, /identityCookieHandler/);
});

test('the built handler sets a cookie that the built parser reads back', async () => {
  const { identityCookieHandler, parseIdentityCookie } = await import(resolve(root, entry.import));
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
