// The raw blob reader (runtime/platform/node/raw-http.ts) through createHttpFetch: bodies framed by
// Content-Length, chunks or the connection's end, split at every byte, redirects, Range, abort,
// cut and malformed responses, from real node:http and hand-written `net` servers.

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllBytes } from '../../runtime/core/bytes.js';
import { createHttpFetch } from '../../runtime/platform/node/http-fetch.js';

const blob = randomBytes(3 << 20);
const blobPath = '/v2/big/blobs/sha256:abc';
const seen: IncomingMessage['headers'][] = [];
let server: Server;
let origin: string;
let raw: NetServer;
let rawOrigin: string;
/** What the hand-written server answers, keyed by path: raw response bytes sent in pieces. */
const rawRoutes = new Map<string, { pieces: Buffer[]; end?: boolean; hang?: boolean }>();
const httpFetch = createHttpFetch();

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/v2/big/blobs/redirect') {
      res.writeHead(307, { location: blobPath }).end();
    } else if (url.pathname === '/v2/big/blobs/chunked') {
      // No Content-Length: node:http sends chunks, one per write.
      res.writeHead(200);
      for (let at = 0; at < blob.length; at += 100_000) res.write(blob.subarray(at, at + 100_000));
      res.end();
    } else if (url.pathname === '/v2/big/blobs/cut') {
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.write(blob.subarray(0, 200_000));
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (url.pathname === '/v2/big/blobs/slow') {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345');
    } else if (url.pathname === blobPath) {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const from = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, { 'content-length': String(blob.length - from) });
      res.end(blob.subarray(from));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  raw = createNetServer((socket: Socket) => {
    socket.once('data', async (data) => {
      const path = data.toString('latin1').split(' ')[1] ?? '';
      const route = rawRoutes.get(path);
      if (!route) return socket.destroy();
      for (const piece of route.pieces) {
        socket.write(piece);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (route.end !== false) socket.end();
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawOrigin = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => raw.close(resolve));
});

/** Every byte its own write: the parser must cope with any split of head, sizes and data. */
function bytewise(text: string): Buffer[] {
  return [...Buffer.from(text, 'latin1')].map((b) => Buffer.from([b]));
}

async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(await readAllBytes(response.body!));
}

describe('raw blob reader', () => {
  it('reads a Content-Length body intact, over a one-request connection', async () => {
    const response = await httpFetch(`${origin}${blobPath}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(blob.length));
    expect(sha(await readAllBytes(response.body!))).toBe(sha(blob));
    // node:http's agent would say keep-alive: this proves the request took the raw path.
    expect(seen.at(-1)?.connection).toBe('close');
  });

  it('lends its read buffers: chunks handed back are read into again, the others never are', async () => {
    const recycled = await httpFetch(`${origin}${blobPath}`);
    const lending = recycled as Response & { recycle?: (chunk: Uint8Array) => void };
    expect(typeof lending.recycle).toBe('function');
    const reader = recycled.body!.getReader();
    const copies: Buffer[] = [];
    const left = new Set<ArrayBufferLike>();
    let current: ArrayBufferLike | undefined;
    let reused = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      copies.push(Buffer.from(value));
      if (value.buffer !== current) {
        if (left.has(value.buffer)) reused++;
        if (current) left.add(current);
        current = value.buffer;
      }
      lending.recycle!(value);
    }
    // 3 MiB through 1 MiB slabs: a slab whose chunks all came back is read into again.
    expect(sha(Buffer.concat(copies))).toBe(sha(blob));
    expect(reused).toBeGreaterThan(0);
    // Chunks kept (not handed back) are never overwritten, even while other reads go on.
    const kept = await httpFetch(`${origin}${blobPath}`);
    const held: Uint8Array[] = [];
    const keptReader = kept.body!.getReader();
    const other = httpFetch(`${origin}${blobPath}`).then(async (r) => {
      const o = r.body!.getReader();
      for (let step = await o.read(); !step.done; step = await o.read()) lending.recycle!(step.value);
    });
    for (let step = await keptReader.read(); !step.done; step = await keptReader.read())
      held.push(step.value);
    await other;
    expect(sha(Buffer.concat(held))).toBe(sha(blob));
  });

  it('the node:http path still serves GETs when rawGets is off', async () => {
    const response = await createHttpFetch({ rawGets: false })(`${origin}${blobPath}`);
    expect(sha(await readAllBytes(response.body!))).toBe(sha(blob));
    expect(seen.at(-1)?.connection).toBe('keep-alive');
  });

  it('sends Range and returns the 206 tail', async () => {
    const response = await httpFetch(`${origin}${blobPath}`, { headers: { range: 'bytes=1000-' } });
    expect(response.status).toBe(206);
    expect(sha(await readAllBytes(response.body!))).toBe(sha(blob.subarray(1000)));
    expect(seen.at(-1)?.range).toBe('bytes=1000-');
  });

  it('decodes a chunked body', async () => {
    const response = await httpFetch(`${origin}/v2/big/blobs/chunked`);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    expect(sha(await readAllBytes(response.body!))).toBe(sha(blob));
  });

  it('parses head, chunk sizes, extensions and trailers split at every byte, after a 100 Continue', async () => {
    rawRoutes.set('/v2/x/blobs/split', {
      pieces: bytewise(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Twice: a\r\nx-twice: b\r\n\r\n' +
          '5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
      ),
      end: false,
    });
    const response = await httpFetch(`${rawOrigin}/v2/x/blobs/split`);
    expect(response.status).toBe(200);
    expect(response.statusText).toBe('OK');
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(await bodyText(response)).toBe('hello 0123456789');
  });

  it('a body with neither length nor chunks ends with the connection', async () => {
    rawRoutes.set('/v2/x/blobs/eof', {
      pieces: [Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil'), Buffer.from(' the end')],
    });
    expect(await bodyText(await httpFetch(`${rawOrigin}/v2/x/blobs/eof`))).toBe('until the end');
  });

  it('a 204 has no body; a Content-Length body split at every byte is whole', async () => {
    rawRoutes.set('/v2/x/blobs/none', {
      pieces: [Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')],
      end: false,
    });
    expect((await httpFetch(`${rawOrigin}/v2/x/blobs/none`)).body).toBeNull();
    rawRoutes.set('/v2/x/blobs/len', {
      pieces: bytewise('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nbytes!'),
      end: false,
    });
    expect(await bodyText(await httpFetch(`${rawOrigin}/v2/x/blobs/len`))).toBe('bytes!');
  });

  it('returns a redirect as is in manual mode, follows it otherwise', async () => {
    const manual = await httpFetch(`${origin}/v2/big/blobs/redirect`, { redirect: 'manual' });
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe(blobPath);
    await manual.body?.cancel();
    const followed = await httpFetch(`${origin}/v2/big/blobs/redirect`);
    expect(followed.redirected).toBe(true);
    expect(sha(await readAllBytes(followed.body!))).toBe(sha(blob));
  });

  it('a body cut short errors its stream; so does a chunked one and a lying length', async () => {
    const cut = await httpFetch(`${origin}/v2/big/blobs/cut`);
    await expect(readAllBytes(cut.body!)).rejects.toThrow(/closed before the response body ended/);
    rawRoutes.set('/v2/x/blobs/cutchunk', {
      pieces: [Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel')],
    });
    const chunked = await httpFetch(`${rawOrigin}/v2/x/blobs/cutchunk`);
    await expect(readAllBytes(chunked.body!)).rejects.toThrow(/closed before the response body ended/);
    rawRoutes.set('/v2/x/blobs/long', {
      pieces: [Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc')],
      end: false,
    });
    const long = await httpFetch(`${rawOrigin}/v2/x/blobs/long`);
    await expect(readAllBytes(long.body!)).rejects.toThrow(/more body bytes than its Content-Length/);
  });

  it('malformed or missing responses reject like fetch: a TypeError with the cause', async () => {
    rawRoutes.set('/v2/x/blobs/garbage', { pieces: [Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')] });
    const garbage = httpFetch(`${rawOrigin}/v2/x/blobs/garbage`);
    await expect(garbage).rejects.toThrow(TypeError);
    await expect(garbage).rejects.toMatchObject({
      cause: { message: /malformed HTTP response: status line/ },
    });
    await expect(httpFetch(`${rawOrigin}/v2/x/blobs/unknown`)).rejects.toMatchObject({
      cause: { message: /closed before the response headers/ },
    });
    await expect(httpFetch(`${rawOrigin}/v2/x/blobs/x`, { headers: { 'x-bad': 'a\r\nb' } })).rejects.toThrow(
      TypeError,
    );
  });

  it('an abort ends a body being read with the abort reason', async () => {
    const controller = new AbortController();
    const response = await httpFetch(`${origin}/v2/big/blobs/slow`, { signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('12345');
    controller.abort(new Error('stop now'));
    await expect(reader.read()).rejects.toThrow('stop now');
    await expect(
      httpFetch(`${origin}${blobPath}`, { signal: AbortSignal.abort(new Error('early')) }),
    ).rejects.toThrow('early');
  });
});
