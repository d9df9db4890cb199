// A small HTTP service that runs a container per request, each in its own worker (vm isolation)
// with a timeout and a memory cap:
//   POST /cat          the request body is the container's stdin, its stdout the response
//   GET  /hello?name=x runs the hello sample with `x` as its argument
//   GET  /sha?mib=N    SHA-256 over N MiB (cpubench): a large N runs into the timeout (504)
//
//   PORT=8080 npx tsx examples/http-server.ts
//   curl --data-binary @README.md localhost:8080/cat

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createRuntime, isRuntimeError, type RuntimeExecResult } from '../runtime/index.js';

const images = new URL('../images/', import.meta.url).pathname;
const cpubench = readFileSync(new URL('../images/wasm/cpubench.wasm', import.meta.url));
const limits = { isolation: 'vm', timeout: '2s', memory: '32m' } as const;

// Two warm workers: a request starts its container without waiting for a worker to boot.
const runtime = createRuntime({ pool: 2 });

function reply(res: import('node:http').ServerResponse, result: RuntimeExecResult): void {
  const status = result.reason === 'timeout' ? 504 : result.code === 0 ? 200 : 500;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-exit-code': String(result.code) });
  res.end(status === 200 ? result.stdoutBytes : `${result.message ?? result.stderr}\n`);
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // A client that goes away cancels its container.
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    if (req.method === 'POST' && url.pathname === '/cat') {
      const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      reply(res, await runtime.exec(`oci:${images}cat`, { ...limits, stdin: body, signal: abort.signal }));
    } else if (url.pathname === '/hello') {
      const args = url.searchParams.getAll('name');
      reply(res, await runtime.exec(`oci:${images}hello`, { ...limits, args, signal: abort.signal }));
    } else if (url.pathname === '/sha') {
      const args = [url.searchParams.get('mib') ?? '1'];
      reply(res, await runtime.exec(cpubench, { ...limits, name: 'cpubench', args, signal: abort.signal }));
    } else {
      res.writeHead(404).end('not found\n');
    }
  } catch (error) {
    if (!res.headersSent) res.writeHead(isRuntimeError(error) && error.code === 'ERR_ABORTED' ? 499 : 500);
    res.end(`${isRuntimeError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
  }
});

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`listening on http://127.0.0.1:${port}`);
});

const stop = (): void => {
  server.close();
  void runtime.close();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
