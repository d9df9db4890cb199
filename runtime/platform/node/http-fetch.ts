// A fetch for registry traffic over node:http/https: the subset of fetch the registry client
// uses, without loading undici (~20 ms at start-up) or its stream machinery (~3× slower bodies).

import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { readAllBytes } from '../../core/bytes.js';
import { RuntimeError } from '../../errors.js';
import { type Connect, type RawReply, rawGet } from './raw-http.js';

export interface HttpFetchOptions {
  /** Extra PEM CA certificates trusted for https, on top of Node's bundled roots. */
  ca?: string;
  /** Sockets per origin (default 16). */
  maxSockets?: number;
  /** GETs over plain http use raw-http.ts (default true); false sends them through node:http. */
  rawGets?: boolean;
}

type Transport = {
  agent: HttpAgent | HttpsAgent;
  request: typeof import('node:http').request;
};

/**
 * A built-in module on first use. Not `import()`: in the CLI bundle that would start Node's ESM
 * loader (~4 ms) just to hand back a module the process already has.
 */
const builtin = process.getBuiltinModule;

const maxFollow = 20;
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** Response headers, read-only, with the `Headers` lookups the client uses. */
class ResponseHeaders {
  readonly #map: Map<string, string>;
  constructor(map: Map<string, string>) {
    this.#map = map;
  }
  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) fn(value, name);
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}

/** The parts of `Response` the registry client reads: status, headers, url, a body stream. */
class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly url: string;
  readonly redirected: boolean;
  readonly type = 'basic';
  readonly body: ReadableStream<Uint8Array> | null;
  /** Body chunks of raw-http.ts replies are lent: see LendingResponse in registry/client.ts. */
  readonly recycle: ((chunk: Uint8Array) => void) | undefined;
  constructor(reply: RawReply, url: string, redirected: boolean) {
    this.status = reply.status;
    this.statusText = reply.statusText;
    this.headers = new ResponseHeaders(reply.headers);
    this.url = url;
    this.redirected = redirected;
    this.body = reply.body;
    this.recycle = reply.recycle;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return this.body?.locked ?? false;
  }
  async bytes(): Promise<Uint8Array> {
    if (!this.body) return new Uint8Array(0);
    return readAllBytes(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer as ArrayBuffer;
  }
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/**
 * The body as a byte stream with backpressure: the socket pauses while the reader is behind.
 * A connection that ends before the message is complete errors the stream (never a silent end).
 */
function bodyStream(res: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) res.pause();
        });
        res.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          controller.error(error);
        };
        res.once('error', fail);
        res.once('close', () => {
          if (!res.complete) fail(new Error('connection closed before the response body ended'));
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        settled = true;
        res.destroy();
      },
    },
    { highWaterMark: 4 },
  );
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries: Iterable<[string, string]> | [string, string][] =
    Array.isArray(headers) || typeof (headers as Headers).forEach === 'function'
      ? (headers as Iterable<[string, string]>)
      : Object.entries(headers as Record<string, string>);
  for (const [name, value] of entries) out[name.toLowerCase()] = value;
  return out;
}

function bodyBytes(
  body: BodyInit | null | undefined,
  headers: Record<string, string>,
): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return new TextEncoder().encode(body.toString());
  }
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new RuntimeError('ERR_NOT_SUPPORTED', 'this HTTP transport sends only byte, string or form bodies');
}

/** node:http's response in raw-http.ts's shape (the body stream only when the request can have one). */
function fromIncoming(res: IncomingMessage, hasBody: boolean): RawReply {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  if (!hasBody) res.resume();
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    headers,
    body: hasBody ? bodyStream(res) : null,
  };
}

/** What a fetch failure looks like: a TypeError whose `cause` is the socket's error. */
function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/**
 * A `fetch` over node:http/https with keep-alive agents owned by this function (idle sockets
 * never keep the process alive). Redirects: `manual` returns the 3xx as is (the registry client
 * follows them itself); `follow` (the default) follows up to 20, dropping Authorization when the
 * origin changes; `error` rejects. Supports an AbortSignal. `response.type` is never
 * `opaqueredirect`; bodies are bytes, strings or forms (no streams, which registries do not need).
 */
export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 16;
  const rawGets = options.rawGets ?? true;
  let http: Transport | undefined;
  let https: Transport | undefined;
  // Each protocol's module loads on first use: loopback registries never pay for TLS.
  const transport = (protocol: string): Promise<Transport> => {
    if (protocol === 'http:') {
      http ??= (() => {
        const m = builtin('node:http');
        return { agent: new m.Agent({ keepAlive: true, maxSockets }), request: m.request };
      })();
      return Promise.resolve(http);
    }
    if (protocol === 'https:') {
      https ??= (() => {
        const m = builtin('node:https');
        const ca = options.ca ? { ca: [...builtin('node:tls').rootCertificates, options.ca] } : {};
        return {
          agent: new m.Agent({ keepAlive: true, maxSockets, ...ca }),
          request: m.request as unknown as Transport['request'],
        };
      })();
      return Promise.resolve(https);
    }
    return Promise.reject(fetchFailed(new Error(`unsupported protocol ${protocol}`)));
  };

  const once = async (
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RawReply> => {
    // GETs over plain http (manifests, blobs: all of a pull) skip node:http (raw-http.ts): blob
    // bodies read ~2× faster, and a loopback pull never loads node:http at all. Requests with a
    // body (pushes) keep node:http's keep-alive sockets; https stays there too.
    if (rawGets && method === 'GET' && !body && url.protocol === 'http:') {
      const connect: Connect = (o) => builtin('node:net').connect(o);
      signal?.throwIfAborted();
      try {
        return await rawGet(connect, url, headers, signal);
      } catch (error) {
        throw signal?.aborted ? signal.reason : fetchFailed(error);
      }
    }
    const res = await incoming(url, method, headers, body, signal);
    return fromIncoming(res, method !== 'HEAD' && !nullBodyStatuses.has(res.statusCode ?? 0));
  };

  const incoming = async (
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> => {
    const { agent, request } = await transport(url.protocol);
    signal?.throwIfAborted();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const init: RequestOptions = {
        method,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
        agent,
      };
      let response: IncomingMessage | undefined;
      // Node's own `signal` option stops at the response: an abort must also end a body being read.
      const onAbort = () => {
        const reason = signal?.reason as Error;
        req.destroy(reason);
        response?.destroy(reason);
      };
      const req = request(url, init, (res) => {
        response = res;
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(res);
      });
      req.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : fetchFailed(error));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  };

  const httpFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (typeof input !== 'string' && !(input instanceof URL))
      throw new RuntimeError('ERR_NOT_SUPPORTED', 'this HTTP transport takes a URL, not a Request');
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    const headers = headerRecord(init.headers);
    let body = bodyBytes(init.body, headers);
    const signal = init.signal ?? undefined;
    const mode = init.redirect ?? 'follow';
    let follows = 0;
    for (;;) {
      const res = await once(url, method, headers, body, signal);
      const status = res.status;
      const location = res.headers.get('location');
      if (mode !== 'manual' && status >= 300 && status < 400 && status !== 304 && location) {
        await res.body?.cancel();
        if (mode === 'error') throw fetchFailed(new Error(`redirect to ${location}`));
        if (++follows > maxFollow) throw fetchFailed(new Error('too many redirects'));
        const next = new URL(location, url);
        if (next.origin !== url.origin) delete headers.authorization;
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = next;
        continue;
      }
      return new HttpResponse(res, url.href, follows > 0) as unknown as Response;
    }
  };
  return httpFetch as typeof fetch;
}
