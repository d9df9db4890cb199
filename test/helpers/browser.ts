// Test helper for browser tests: serves files from 127.0.0.1 with the COOP/COEP headers that make a
// page cross-origin isolated, and launches Debian's Chromium through playwright-core.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const ISOLATED = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a directory, or `mounts` (URL prefix → directory, longest prefix first), cross-origin
 * isolated; `/plain/x` is the same file as `/x` without COOP/COEP. A path ending in "/" serves its
 * index.html; nothing outside a mounted directory is served, and there are no listings.
 */
export async function serveStatic(mounts: string | Record<string, string>): Promise<StaticServer> {
  const table = typeof mounts === 'string' ? { '/': mounts } : mounts;
  const prefixes = Object.keys(table).sort((a, b) => b.length - a.length);
  const server: Server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const plain = path.startsWith('/plain/');
    if (plain) path = path.slice('/plain'.length);
    const headers = { ...(plain ? {} : ISOLATED), 'cache-control': 'no-store' };
    const prefix = prefixes.find((p) => path.startsWith(p));
    const base = prefix === undefined ? undefined : table[prefix];
    let rest = prefix === undefined ? '' : path.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const file = base === undefined ? undefined : normalize(join(base, rest));
    if (
      !file ||
      !base ||
      !file.startsWith(normalize(base) + sep) ||
      !existsSync(file) ||
      !statSync(file).isFile()
    ) {
      res.writeHead(404, headers).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
