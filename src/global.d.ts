/**
 * The global `IDSync` that the script-tag bundle (dist/idsync.iife.js, or the
 * loader snippet) defines, for pages written in TypeScript. Reference it once:
 *
 * ```ts
 * /// <reference types="idsync-web/global" />
 * IDSync.init({ backend: (IDSync) => new IDSync.LocalResolver({ strategy: 'isolation' }) });
 * ```
 *
 * or, in a module, `import type {} from 'idsync-web/global';`. Type names are
 * reached through the package: `import('idsync-web').IdentityClient`.
 *
 * @module idsync-web/global
 */
import type * as Library from './index';
import type { Page, PageOptions } from './page/page';

export type { Page, PageOptions };

/**
 * The global `IDSync` once the bundle has loaded: every export of the package
 * (`createIdentity`, `LocalResolver`, `HttpBackend`, `IdentityError`, ...) and
 * the page's one client (`init`, `ready`, the identity calls, `getClient`).
 *
 * Before the bundle has loaded, the loader snippet's stub has only `init`,
 * `ready`, `identify`, `login`, `logout` and `modify`: use the rest inside
 * `ready` or in the backend factory given to `init`.
 */
export type IDSyncGlobal = typeof Library & Page<typeof Library>;

declare global {
  /** The script-tag bundle's global: see {@link IDSyncGlobal}. */
  var IDSync: IDSyncGlobal;
}
