// `npm run demo`: serves demo/ at / and dist/ at /dist/ from 127.0.0.1, so the
// page loads the bundle the way a plain <script> tag on any site would.
// No dependency: node:http and a short list of content types are enough here.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEMO_ROOT = fileURLToPath(new URL('.', import.meta.url));
const DIST_ROOT = resolve(DEMO_ROOT, '../dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// The page needs nothing from elsewhere: scripts and styles only from here (so
// a value rendered as HTML by mistake could not run), fetch anywhere because
// the HTTP backend's URL is typed in by the user.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' http: https:; object-src 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Maps a URL path to a file below demo/ or dist/, or null when it points outside them. */
function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const [root, rest] = decoded.startsWith('/dist/')
    ? [DIST_ROOT, decoded.slice('/dist/'.length)]
    : [DEMO_ROOT, decoded.slice(1)];
  const file = resolve(root, rest);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/** Where the demo page POSTs the identity cookie (its `cookie.refreshUrl`). */
export const COOKIE_REFRESH_PATH = '/idsync/cookie';
let cookieHandler;

/**
 * The site's own handler from `idsync-web/server` (dist/site-server.mjs), so
 * the cookie is re-issued with Set-Cookie; loaded on first use, because the
 * server also starts before a build.
 */
async function refreshCookie(req, res) {
  try {
    const { identityCookieHandler } = await import('../dist/site-server.mjs');
    cookieHandler ??= identityCookieHandler({ refreshUrl: COOKIE_REFRESH_PATH });
  } catch {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not built yet: run `npm run build` (npm run demo does it for you)');
    return;
  }
  await cookieHandler(req, res);
}

async function handle(req, res) {
  if (new URL(req.url ?? '/', 'http://localhost').pathname === COOKIE_REFRESH_PATH) {
    await refreshCookie(req, res);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  const file = fileFor(pathname.endsWith('/') ? `${pathname}index.html` : pathname);
  if (file === null) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    const missing = error?.code === 'ENOENT' || error?.code === 'EISDIR';
    res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(
      missing && file.startsWith(DIST_ROOT)
        ? 'not built yet: run `npm run build` (npm run demo does it for you)'
        : missing
          ? 'not found'
          : 'server error',
    );
  }
}

/**
 * Starts the demo server. `port: 0` picks a free port (tests).
 * @param {{ port?: number, host?: string }} [options]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startDemoServer({ port = 5173, host = '127.0.0.1' } = {}) {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const actualPort = server.address().port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}/`,
    port: actualPort,
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections?.();
      }),
  };
}

/** `--port 8080`, `--port=8080`, `--host 0.0.0.0`; PORT / HOST from the environment otherwise. */
export function parseArgs(argv, env = {}) {
  const options = { port: Number(env.PORT ?? 5173), host: env.HOST ?? '127.0.0.1' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? argv[(i += 1)] : arg.slice(eq + 1);
    if (flag !== '--port' && flag !== '--host') throw new Error(`unknown option ${flag}`);
    if (value === undefined || value === '') throw new Error(`${flag} needs a value`);
    if (flag === '--port') options.port = Number(value);
    else options.host = value;
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new Error('--port must be an integer from 0 to 65535');
  }
  return options;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  try {
    const { url } = await startDemoServer(parseArgs(process.argv.slice(2), process.env));
    console.log(`idsync-web demo: ${url}  (Ctrl+C to stop)`);
  } catch (error) {
    console.error(`demo server: ${error.message}`);
    process.exitCode = 1;
  }
}
