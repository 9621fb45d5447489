/**
 * The SDK's version, as package.json states it. `__SDK_VERSION__` is not a
 * variable at run time: rollup.config.js writes package.json's version in its
 * place when it builds, and jest's setup (test/sdk-version.cjs) defines it
 * from the same file, so a release bump needs no second edit.
 */
declare const __SDK_VERSION__: string;

export const SDK_VERSION: string = __SDK_VERSION__;
