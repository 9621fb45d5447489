// What rollup's replace step does at build time (rollup.config.js), for code
// that jest loads from src/: the SDK version is package.json's.
globalThis.__SDK_VERSION__ = require('../package.json').version;
