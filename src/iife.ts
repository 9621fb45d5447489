/**
 * The entry of dist/idsync.iife.js (the global `IDSync`): every export of the
 * library, plus the page's one client (`init`, `ready`, identity calls,
 * `getClient`). The ESM/CJS builds stay free of this singleton and of its
 * side effect below.
 */
import * as lib from './index';
import { createPage } from './page/page';
import { adoptLoaderStub } from './page/replay';

export * from './index';
export type { Page, PageOptions } from './page/page';

const page = createPage(lib);

export const { init, ready, identify, login, logout, modify, getClient } = page;

// Rollup assigns the global after this module has run: the loader snippet's
// stub is still `window.IDSync` here.
if (typeof window !== 'undefined') {
  adoptLoaderStub((window as { IDSync?: unknown }).IDSync, { ...lib, ...page });
}
