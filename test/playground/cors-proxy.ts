// A tiny CORS front for a registry that sends no CORS headers (Debian's docker-registry): answers
// preflights itself and adds Access-Control-* headers to every forwarded response. Paths are the
// registry's own (`/v2/…`), or a whole URL after the slash as cors-anywhere takes them (`/http://…`).

import { createServer, request, type Server } from 'node:http';

export interface CorsProxy {
  /** `127.0.0.1:PORT`: use it as the reference domain. */
  host: string;
  /** Requests that reached the registry through the proxy (method and path). */
  seen: string[];
  close(): Promise<void>;
}

const allow = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Accept, Authorization, Range, Content-Type',
  'Access-Control-Expose-Headers':
    'Content-Type, Content-Length, Content-Range, Docker-Content-Digest, WWW-Authenticate, Location',
  'Access-Control-Max-Age': '600',
};

export function startCorsProxy(target: string): Promise<CorsProxy> {
  const [hostname, port] = target.split(':');
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, allow).end();
      return;
    }
    seen.push(`${req.method} ${req.url}`);
    const prefixed = req.url?.startsWith('/http://') ? new URL(req.url.slice(1)) : undefined;
    if (prefixed && prefixed.host !== target) {
      res.writeHead(403, allow).end();
      return;
    }
    const headers = { ...req.headers, host: target };
    const path = prefixed ? prefixed.pathname + prefixed.search : req.url;
    const upstream = request(
      { hostname, port: Number(port), method: req.method, path, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...allow });
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502, allow).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const listening = typeof address === 'object' && address ? address.port : 0;
      resolve({
        host: `127.0.0.1:${listening}`,
        seen,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
