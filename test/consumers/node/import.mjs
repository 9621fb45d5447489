// An ES module in Node: import the installed package, run a login on memory
// (Node has no IndexedDB) and print what happened.
import { createIdentity, IdentityError, LocalResolver } from 'idsync-web';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const backend = new LocalResolver({ strategy: 'isolation', dbName: false });
const idsync = await createIdentity({ backend, storage: 'memory', logger: silent });
const { user } = await idsync.login({ userIdentities: { customerid: 'ABC123' } });
await user.setAttribute('plan', 'pro');
const refused = await idsync.login({ userIdentities: { nickname: 'x' } }).catch((e) => e);
console.log(
  JSON.stringify({
    system: typeof module === 'object' ? 'commonjs' : 'esm',
    plan: idsync.currentUser.attributes.plan,
    loggedIn: idsync.currentUser.isLoggedIn,
    refused: refused instanceof IdentityError ? refused.code : String(refused),
    iife: import.meta.resolve('idsync-web/iife').endsWith('dist/idsync.iife.js'),
  }),
);
await idsync.close();
await backend.close();
