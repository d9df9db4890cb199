// Builds the browser page into examples/browser-page/dist: the page, its script bundled with
// wasmbox's browser entry (esbuild, platform=browser), the vm worker, and the hello and cat image
// layouts. `node build.mjs --serve [PORT]` also serves it, cross-origin isolated (COOP/COEP).

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '../..');

export async function buildPage(out = join(here, 'dist')) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: {
      main: join(here, 'main.js'),
      'worker-entry': join(repo, 'runtime/platform/browser/worker-entry.ts'),
    },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'error',
    // jco's browser build has a Node-only branch behind a runtime check.
    external: ['node:*'],
  });
  cpSync(join(here, 'index.html'), join(out, 'index.html'));
  for (const image of ['hello', 'cat'])
    cpSync(join(repo, 'images', image), join(out, 'images', image), { recursive: true });
  return out;
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

/** Serves `dir` with the headers that make the page cross-origin isolated (SharedArrayBuffer). */
export function serve(dir, port = 0) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    const headers = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    };
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      ...headers,
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const out = await buildPage();
  console.log(`built ${out}`);
  if (process.argv.includes('--serve')) {
    const server = await serve(out, Number(process.argv[process.argv.indexOf('--serve') + 1]) || 8000);
    console.log(`serving on http://127.0.0.1:${server.address().port}/`);
  }
}
