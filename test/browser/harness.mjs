// Shared by the real-browser tests: serve the repository from 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './driver/chromium.mjs';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export { CHROMIUM_ARGS, chromiumPath } from './driver/chromium.mjs';

/** Playwright's Chromium with the tests' flags, for bench/cross-tab.mjs (Chromium only). */
export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves files below `root` on 127.0.0.1 (a random port). `headersFor(path)`
 * may add response headers per path (CSP tests), `routes` may answer a path
 * itself: `(req, res) => boolean`.
 */
export async function serveStatic({ root = REPO_ROOT, headersFor = () => ({}), routes } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (routes && (await routes(req, res, url))) return;
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        res.end();
        return;
      }
      const path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
      let file = join(root, path);
      if (!file.startsWith(root))
        throw Object.assign(new Error('outside root'), { code: 'ENOENT' });
      if (file.endsWith('/')) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...headersFor(url.pathname),
      });
      res.end(body);
    } catch (error) {
      res.writeHead(error?.code === 'ENOENT' || error?.code === 'EISDIR' ? 404 : 500);
      res.end(String(error?.message ?? error));
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
