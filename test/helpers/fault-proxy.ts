// A loopback HTTP proxy in front of a test registry that injects faults into chosen requests:
// a connection cut mid-body, 5xx, 429 with Retry-After, corrupted bytes, rewritten manifests, redirects.

import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'cut'; afterBytes: number }
  /** Sends the first bytes, then holds the connection open (a hung download). */
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'corrupt' }
  | { kind: 'rewrite'; change: (body: Buffer) => Buffer }
  | { kind: 'redirect'; location: string };

/** Decides per request; return undefined to pass it through untouched. */
export type FaultRule = (req: IncomingMessage) => Fault | undefined;

export interface FaultProxy {
  host: string;
  rule: FaultRule | undefined;
  /** Method, path, Range and Authorization of every request seen. */
  log: { method: string; path: string; range?: string; authorization?: string }[];
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const state: FaultProxy = { host: '', rule: undefined, log: [], stop: async () => {} };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.log.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const fault = state.rule?.(req);
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end('{"errors":[{"code":"UNKNOWN","message":"injected"}]}');
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(307, { location: fault.location }).end();
      return;
    }
    const headers = { ...req.headers, host: target };
    const upstream = request(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers },
      (up) => {
        if (!fault) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          const outHeaders = { ...up.headers };
          if (fault.kind === 'stall') {
            res.writeHead(up.statusCode ?? 502, outHeaders);
            res.write(body.subarray(0, fault.afterBytes));
            return;
          }
          if (fault.kind === 'cut') {
            res.writeHead(up.statusCode ?? 502, outHeaders);
            res.write(body.subarray(0, fault.afterBytes), () => res.socket?.destroy());
            return;
          }
          if (fault.kind === 'corrupt') {
            body = Buffer.from(body);
            body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
          } else if (fault.kind === 'rewrite') {
            body = fault.change(body);
            outHeaders['content-length'] = String(body.length);
            delete outHeaders['docker-content-digest'];
          }
          res.writeHead(up.statusCode ?? 502, outHeaders);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  state.stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
