// jsdom has no structuredClone, which fake-indexeddb needs; Node has one.
// Also share Node's WebCrypto, BroadcastChannel and TextEncoder with the window.
const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomWithNodeGlobals extends TestEnvironment {
  async setup() {
    await super.setup();
    const g = this.global;
    if (typeof g.structuredClone !== 'function') g.structuredClone = structuredClone;
    if (!g.crypto || typeof g.crypto.getRandomValues !== 'function' || !g.crypto.randomUUID) {
      Object.defineProperty(g, 'crypto', { value: globalThis.crypto, configurable: true });
    }
    if (typeof g.TextEncoder !== 'function') g.TextEncoder = TextEncoder;
    if (typeof g.TextDecoder !== 'function') g.TextDecoder = TextDecoder;
  }
}

module.exports = JsdomWithNodeGlobals;
