// A small static HTTP server on 127.0.0.1 for end-to-end tests and
// benchmarks: the release build from dist/ at the root, test fixtures under
// /fixtures/, and any further folders given as [prefix, folder] pairs.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Starts the server; resolves to { url, close }. */
// `headers` are added to every response (the benchmarks use them to make
// the page cross-origin isolated, which memory measurement needs).
// `compress` serves brotli to clients that accept it, as a production
// server would (Lighthouse measures the page that way).
export async function startServer({ dist, fixtures, more = [], headers = {}, compress = false }) {
  const packed = new Map();
  const roots = [
    ...more.map(([prefix, dir]) => [prefix, resolve(dir)]),
    ['/fixtures/', resolve(fixtures)],
    ['/', resolve(dist)],
  ];
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const [prefix, root] = roots.find(([p]) => path.startsWith(p));
      let file = normalize(join(root, path.slice(prefix.length)));
      if (!file.startsWith(root)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      let body = await readFile(file);
      const extra = {};
      if (compress && /\bbr\b/.test(req.headers['accept-encoding'] ?? '')) {
        if (!packed.has(file)) {
          packed.set(file, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        }
        body = packed.get(file);
        extra['content-encoding'] = 'br';
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...extra,
        ...headers,
      });
      res.end(body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(err.code === 'ENOENT' ? 'not found' : String(err));
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}
