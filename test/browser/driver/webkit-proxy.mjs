// The WebKit context's HTTP proxy. WebKitGTK's WebDriver has no init scripts,
// no console events and no host-resolver rules; its one network hook is the
// W3C `proxy` capability. So every request of a WebKit context goes through
// this proxy on 127.0.0.1, which
//   - sends the request to 127.0.0.1, whatever the host name (so *.idsync.test
//     and localhost are this machine), and refuses anything else;
//   - adds one same-origin <script src> at the top of every HTML document: the
//     context's init scripts and a recorder of console messages, page errors
//     and dialogs (allowed by a `script-src 'self'` policy, so CSP pages keep
//     their policy unchanged);
//   - answers a blank page at BLANK_PATH on any host, where cookies are set and read.
import { createServer, request as httpRequest } from 'node:http';
import { TEST_DOMAIN } from './common.mjs';

export const INIT_PATH = '/.idsync-driver/init.js';
export const BLANK_PATH = '/.idsync-driver/blank';
export const LOG_KEY = '__idsyncDriverLog';

/** Runs first in every document: records what Playwright and BiDi report as events. */
function recorder(key) {
  const read = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || '[]');
    } catch {
      return [];
    }
  };
  const push = (type, text) => {
    // sessionStorage: the record survives a reload of the tab, as the other engines' do.
    try {
      sessionStorage.setItem(key, JSON.stringify([...read(), { type, text }]));
    } catch {
      // storage refused: keep the entries in the page only
      (window.__idsyncDriverFallbackLog ||= []).push({ type, text });
    }
  };
  const show = (value) => {
    if (value instanceof Error) return String(value);
    if (typeof value === 'object' && value !== null) {
      try {
        return JSON.stringify(value);
      } catch {
        return String(value);
      }
    }
    return String(value);
  };
  for (const type of ['log', 'info', 'warn', 'error', 'debug']) {
    const original = console[type].bind(console);
    console[type] = (...args) => {
      push(type === 'warn' ? 'warning' : type, args.map(show).join(' '));
      original(...args);
    };
  }
  window.addEventListener('error', (event) =>
    push('pageerror', String(event.error ?? event.message)),
  );
  window.addEventListener('unhandledrejection', (event) => push('pageerror', String(event.reason)));
  for (const name of ['alert', 'confirm', 'prompt']) {
    window[name] = (message) => {
      push('dialog', String(message ?? ''));
      return name === 'confirm' ? false : name === 'prompt' ? null : undefined;
    };
  }
}

function isLocalHost(host) {
  return (
    host === '127.0.0.1' ||
    host === 'localhost' ||
    host === TEST_DOMAIN ||
    host.endsWith(`.${TEST_DOMAIN}`)
  );
}

function injectScriptTag(html) {
  const tag = `<script src="${INIT_PATH}"></script>`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head)
    return (
      html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length)
    );
  const doctype = /<!doctype[^>]*>/i.exec(html);
  if (doctype)
    return (
      html.slice(0, doctype.index + doctype[0].length) +
      tag +
      html.slice(doctype.index + doctype[0].length)
    );
  return tag + html;
}

/** Starts the proxy of one WebKit context. `initScripts` is read at each document load. */
export async function startWebkitProxy(initScripts) {
  const sockets = new Set();
  const server = createServer((req, res) => {
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400);
      res.end('proxy: absolute URLs only');
      return;
    }
    if (target.protocol !== 'http:' || !isLocalHost(target.hostname)) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${target.hostname} is not this machine; the tests stay on loopback`);
      return;
    }
    if (target.pathname === INIT_PATH) {
      const body = [
        `(${recorder})(${JSON.stringify(LOG_KEY)});`,
        ...initScripts.map(
          ([fn, arg]) => `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)});`,
        ),
      ].join('\n');
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(body);
      return;
    }
    if (target.pathname === BLANK_PATH) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end('<!doctype html><title>blank</title>');
      return;
    }
    if (process.env.WKDEBUG) {
      const t0 = Date.now();
      process.stderr.write(`[proxy] ${req.method} ${req.url}\n`);
      res.on('close', () =>
        process.stderr.write(`[proxy] done ${req.url} ${res.statusCode} ${Date.now() - t0} ms\n`),
      );
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        const type = answer.headers['content-type'] ?? '';
        const html = /^text\/html/i.test(type) && !answer.headers['content-encoding'];
        if (!html) {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks = [];
        answer.on('data', (chunk) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.from(injectScriptTag(Buffer.concat(chunks).toString('utf8')));
          const out = { ...answer.headers, 'content-length': String(body.length) };
          delete out['transfer-encoding'];
          delete out.etag;
          res.writeHead(answer.statusCode, out);
          res.end(body);
        });
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
    });
    // The page went away (a held request, a closed tab): drop the upstream request too.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    address: `127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
