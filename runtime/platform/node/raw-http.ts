// A minimal HTTP/1.1 GET over a plain `net` socket, for large blob bodies: it reads into big
// buffers it hands on without copying, skipping node:http's parser and stream layers (~2× faster).

import type { Socket } from 'node:net';

/** One response: status line, headers (lower-case names, repeats joined), the body if any. */
export interface RawReply {
  status: number;
  statusText: string;
  headers: Map<string, string>;
  body: ReadableStream<Uint8Array> | null;
  /** Hands back a body chunk nobody reads any more: its memory is read into again (slabs.recycle). */
  recycle?(chunk: Uint8Array): void;
}

export type Connect = (options: {
  host: string;
  port: number;
  onread: { buffer: () => Uint8Array; callback: (n: number, buf: Uint8Array) => boolean };
}) => Socket;

const slabBytes = 1 << 20;
const minReadBytes = 64 << 10;
const maxHeaderBytes = 64 << 10;
const nullBodyStatuses = new Set([204, 304]);

/**
 * The read buffers, shared by all connections. A slab is read into from its start to its end,
 * each read handed on as a chunk (a view, no copy); once the connection moves to another slab
 * and every chunk of this one has come back (`recycle`), it is free for reading again. A chunk
 * never handed back keeps its slab out of the pool: it is then garbage like any buffer.
 */
class SlabPool {
  readonly #free: Buffer[] = [];
  readonly #state = new WeakMap<ArrayBufferLike, { out: number; filled: boolean; slab: Buffer }>();

  take(): Buffer {
    const slab = this.#free.pop() ?? Buffer.allocUnsafe(slabBytes);
    this.#state.set(slab.buffer, { out: 0, filled: false, slab });
    return slab;
  }

  /** `chunk`, a view of a slab, is handed to a reader. */
  lend(chunk: Uint8Array): void {
    const state = this.#state.get(chunk.buffer);
    if (state) state.out++;
  }

  /** The connection reads no more into `slab`. */
  retire(slab: Buffer): void {
    const state = this.#state.get(slab.buffer);
    if (!state) return;
    state.filled = true;
    this.#release(state);
  }

  recycle(chunk: Uint8Array): void {
    const state = this.#state.get(chunk.buffer);
    if (!state || state.out === 0) return;
    state.out--;
    this.#release(state);
  }

  #release(state: { out: number; filled: boolean; slab: Buffer }): void {
    if (!state.filled || state.out > 0) return;
    this.#state.delete(state.slab.buffer);
    if (this.#free.length < maxFreeSlabs) this.#free.push(state.slab);
  }
}

/** Slabs kept for reuse (MiB): three parallel downloads with a few chunks queued each. */
const maxFreeSlabs = 16;
const slabs = new SlabPool();

function protocolError(message: string): Error {
  return new Error(`malformed HTTP response: ${message}`);
}

/** Parses one header block (status line and header lines, without the blank line). */
function parseHead(text: string): { status: number; statusText: string; headers: Map<string, string> } {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!match) throw protocolError(`status line ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw protocolError(`header line ${JSON.stringify(line.slice(0, 40))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers.get(name);
    headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers };
}

/** Decodes a chunked body incrementally: `push` returns the data bytes of what it was given. */
class ChunkedDecoder {
  #remaining = 0; // data bytes left in the current chunk
  #state: 'size' | 'data' | 'crlf' | 'trailers' | 'done' = 'size';
  #line = '';
  get done(): boolean {
    return this.#state === 'done';
  }
  push(bytes: Uint8Array, out: Uint8Array[]): void {
    let at = 0;
    while (at < bytes.length && this.#state !== 'done') {
      if (this.#state === 'data') {
        const n = Math.min(this.#remaining, bytes.length - at);
        out.push(bytes.subarray(at, at + n));
        at += n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = 'crlf';
        continue;
      }
      // Size lines, the CRLF after data and trailer lines are short: collect them as text.
      const lf = bytes.indexOf(10, at);
      const end = lf < 0 ? bytes.length : lf;
      this.#line += Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('latin1');
      if (this.#line.length > 4096) throw protocolError('chunk line too long');
      at = end;
      if (lf < 0) break;
      at++;
      const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
      this.#line = '';
      if (this.#state === 'crlf') {
        if (line !== '') throw protocolError('no CRLF after chunk data');
        this.#state = 'size';
      } else if (this.#state === 'size') {
        const hex = line.split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw protocolError(`chunk size ${JSON.stringify(hex)}`);
        this.#remaining = Number.parseInt(hex, 16);
        this.#state = this.#remaining === 0 ? 'trailers' : 'data';
      } else if (line === '') {
        this.#state = 'done';
      }
    }
  }
}

/**
 * Sends `GET path` on a new connection (`connection: close`: one request per socket) and resolves
 * with the response once its headers arrive. A body ends at its Content-Length, its last chunk or
 * the connection's end when it has neither; a connection that ends early errors the body stream.
 * Backpressure pauses the socket; an abort destroys it and errors whatever is pending.
 */
export function rawGet(
  connect: Connect,
  url: URL,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<RawReply> {
  let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name + value)) return Promise.reject(new TypeError(`invalid header ${name}`));
    if (name !== 'host' && name !== 'connection') request += `${name}: ${value}\r\n`;
  }
  request += '\r\n';
  return new Promise<RawReply>((resolve, reject) => {
    let slab = slabs.take();
    let used = 0;
    let head: Buffer[] = [];
    let headBytes = 0;
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let framing: { left: number } | ChunkedDecoder | 'close' | undefined;
    let finished = false;
    let replied = false;

    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (!replied) reject(error);
      else if (error) controller?.error(error);
      else controller?.close();
      socket.destroy();
      slabs.retire(slab);
    };
    const onAbort = () => finish(signal?.reason);

    const hand = (chunk: Uint8Array) => {
      slabs.lend(chunk);
      controller?.enqueue(chunk);
    };
    const deliver = (bytes: Uint8Array) => {
      if (!controller || bytes.length === 0) return;
      if (framing instanceof ChunkedDecoder) {
        const out: Uint8Array[] = [];
        framing.push(bytes, out);
        for (const part of out) if (part.length > 0) hand(part);
        if (framing.done) finish();
      } else if (framing === 'close') {
        hand(bytes);
      } else if (framing) {
        if (bytes.length > framing.left) throw protocolError('more body bytes than its Content-Length');
        hand(bytes);
        framing.left -= bytes.length;
        if (framing.left === 0) finish();
      }
      if (!finished && (controller.desiredSize ?? 0) <= 0) socket.pause();
    };

    /** Headers arrive first (maybe with some body): parse once the blank line is in. */
    const onHead = (bytes: Uint8Array) => {
      head.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      headBytes += bytes.length;
      for (;;) {
        const all = head.length === 1 ? head[0]! : Buffer.concat(head, headBytes);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          if (headBytes > maxHeaderBytes) throw protocolError('headers too large');
          head = [all];
          return;
        }
        const parsed = parseHead(all.subarray(0, end).toString('latin1'));
        const rest = all.subarray(end + 4);
        // Interim responses (100 Continue, 103 Early Hints) precede the real one.
        if (parsed.status >= 100 && parsed.status < 200) {
          head = [rest];
          headBytes = rest.length;
          if (rest.length === 0) return;
          continue;
        }
        head = [];
        replied = true;
        const te = parsed.headers.get('transfer-encoding');
        const length = parsed.headers.get('content-length');
        let body: ReadableStream<Uint8Array> | null = null;
        if (!nullBodyStatuses.has(parsed.status)) {
          if (te && te.toLowerCase() !== 'identity') {
            if (te.toLowerCase() !== 'chunked') throw protocolError(`transfer-encoding ${te}`);
            framing = new ChunkedDecoder();
          } else if (length !== undefined) {
            if (!/^\d+$/.test(length)) throw protocolError(`content-length ${JSON.stringify(length)}`);
            framing = { left: Number(length) };
          } else {
            framing = 'close';
          }
          body = new ReadableStream<Uint8Array>(
            {
              start(c) {
                controller = c;
              },
              pull() {
                if (!finished) socket.resume();
              },
              cancel() {
                controller = undefined;
                finish();
              },
            },
            { highWaterMark: 4 },
          );
        }
        resolve({ ...parsed, body, recycle: (chunk) => slabs.recycle(chunk) });
        if (!body || (typeof framing === 'object' && 'left' in framing && framing.left === 0)) finish();
        else deliver(rest);
        return;
      }
    };

    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: {
        // Each read lands in the free tail of a 1 MiB slab: chunks handed on need no copy, and no
        // byte of a slab is ever read into twice.
        buffer: () => {
          if (slabBytes - used < minReadBytes) {
            slabs.retire(slab);
            slab = slabs.take();
            used = 0;
          }
          return slab.subarray(used);
        },
        callback: (n, buf) => {
          if (finished) return false;
          let bytes = buf.subarray(0, n);
          if (buf.buffer === slab.buffer && buf.byteOffset === slab.byteOffset + used) used += n;
          // Not the tail we handed out: Node may read into it again, so keep a copy.
          else bytes = Buffer.from(bytes);
          try {
            if (replied) deliver(bytes);
            else onHead(bytes);
          } catch (error) {
            finish(error);
          }
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.once('error', (error) => finish(error));
    const closedEarly = () =>
      finish(
        replied && framing === 'close'
          ? undefined
          : new Error(`connection closed before the response ${replied ? 'body ended' : 'headers'}`),
      );
    socket.once('end', closedEarly);
    socket.once('close', closedEarly);
    if (signal?.aborted) return finish(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.write(request, 'latin1');
  });
}
