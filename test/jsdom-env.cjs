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
    if (typeof g.BroadcastChannel !== 'function') g.BroadcastChannel = windowBroadcastChannel(g);
  }
}

/**
 * Node's BroadcastChannel, with messages handed over as objects of the
 * window's realm (as a browser does: the SDK checks that message data is a
 * plain object). Two clients in one test file are two tabs.
 */
function windowBroadcastChannel(g) {
  return class BroadcastChannel {
    constructor(name) {
      this.name = String(name);
      this.onmessage = null;
      this.inner = new globalThis.BroadcastChannel(this.name);
      this.inner.unref();
      this.inner.onmessage = (event) => {
        const data = g.JSON.parse(JSON.stringify(event.data));
        if (typeof this.onmessage === 'function') this.onmessage({ data });
      };
    }
    postMessage(data) {
      this.inner.postMessage(data);
    }
    close() {
      this.inner.close();
    }
  };
}

module.exports = JsdomWithNodeGlobals;
