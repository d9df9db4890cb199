// The node:http registry transport (runtime/platform/node/http-fetch.ts): pulls through it from
// real registries (anonymous, Basic, token) with injected faults, and its fetch semantics
// (manual/follow redirects, bodies, abort, cut bodies, refused connections, a private CA).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { createHttpFetch } from '../../runtime/platform/node/http-fetch.js';
import { nodeFetch } from '../../runtime/platform/node/images.js';
import { helloParts, pushFixtures } from '../fixtures/images.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';

let anon: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;
let proxy: FaultProxy;
let basicProxy: FaultProxy;
let server: Server;
let origin: string;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-http-fetch-'));
const hello = helloParts();
const layerPath = `/v2/hello/blobs/${hello.layer.digest}`;
const httpFetch = createHttpFetch();
const noSleep = async () => {};

/** A tiny server whose routes exercise one fetch behaviour each. */
function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const url = new URL(req.url ?? '/', origin);
  if (url.pathname === '/redirect') {
    res.writeHead(307, { location: url.searchParams.get('to') ?? '/echo' }).end();
  } else if (url.pathname === '/see-other') {
    res.writeHead(303, { location: '/echo' }).end();
  } else if (url.pathname === '/cut') {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000));
    setTimeout(() => res.socket?.destroy(), 20);
  } else if (url.pathname === '/slow') {
    res.writeHead(200, { 'content-length': '10' });
    res.flushHeaders();
  } else if (url.pathname === '/empty') {
    res.writeHead(204).end();
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] });
    res.end(JSON.stringify({ method: req.method, body }));
  }
}

beforeAll(async () => {
  [anon, basic, token] = await Promise.all([
    startRegistry('anonymous'),
    startRegistry('basic'),
    startRegistry('token'),
  ]);
  await Promise.all([
    pushFixtures(anon, ['hello']),
    pushFixtures(basic, ['hello']),
    pushFixtures(token, ['hello']),
  ]);
  [proxy, basicProxy] = await Promise.all([startFaultProxy(anon.host), startFaultProxy(basic.host)]);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([proxy.stop(), basicProxy.stop(), anon.stop(), basic.stop(), token.stop()]);
  rmSync(temp, { recursive: true, force: true });
});

describe('pulls over the node:http transport', () => {
  it('a connection cut mid-blob resumes with Range; the blob is verified in the store', async () => {
    let left = 1;
    proxy.rule = (req) =>
      req.url === layerPath && left-- > 0 ? { kind: 'cut', afterBytes: 5000 } : undefined;
    proxy.log.length = 0;
    const store = new OciLayoutStore(join(temp, 'cut'), nodeFileApi);
    await pullImage(`${proxy.host}/hello:latest`, { store, fetch: httpFetch, sleep: noSleep });
    proxy.rule = undefined;
    expect(await store.info(hello.layer.digest)).toEqual({
      digest: hello.layer.digest,
      size: hello.layer.size,
    });
    expect(await store.info(hello.config.digest)).toEqual({
      digest: hello.config.digest,
      size: hello.config.size,
    });
    const ranges = proxy.log.filter((l) => l.path === layerPath).map((l) => l.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('500s are retried, then fail naming the image', async () => {
    let left = 2;
    proxy.rule = (req) =>
      req.url?.includes('/manifests/') && left-- > 0 ? { kind: 'status', status: 500 } : undefined;
    await pullImage(`${proxy.host}/hello:latest`, {
      store: new MemoryStore(),
      fetch: httpFetch,
      sleep: noSleep,
    });
    proxy.rule = () => ({ kind: 'status', status: 503 });
    await expect(
      pullImage(`${proxy.host}/hello:latest`, { store: new MemoryStore(), fetch: httpFetch, sleep: noSleep }),
    ).rejects.toMatchObject({
      code: 'ERR_REGISTRY',
      message: expect.stringContaining(`${proxy.host}/hello`),
    });
    proxy.rule = undefined;
  });

  it('a redirect to another origin drops Authorization (Basic auth)', async () => {
    basicProxy.rule = (req) =>
      req.url === layerPath ? { kind: 'redirect', location: `http://${proxy.host}${layerPath}` } : undefined;
    proxy.log.length = 0;
    await pullImage(`${basicProxy.host}/hello`, {
      store: new MemoryStore(),
      fetch: httpFetch,
      credentials: async () => basic.user,
    });
    basicProxy.rule = undefined;
    expect(basicProxy.log.some((l) => l.authorization?.startsWith('Basic '))).toBe(true);
    const redirected = proxy.log.filter((l) => l.path === layerPath);
    expect(redirected).toHaveLength(1);
    expect(redirected[0]!.authorization).toBeUndefined();
  });

  it('Bearer tokens from a token service', async () => {
    const record = await pullImage(`${token.host}/hello`, {
      store: new MemoryStore(),
      fetch: httpFetch,
      credentials: async () => token.user,
    });
    expect(record.digest).toBe(hello.manifest.digest);
  });

  it('nodeFetch uses this transport', async () => {
    const fetch = await nodeFetch({});
    const response = await fetch(`${origin}/echo`);
    expect(response).not.toBeInstanceOf(Response);
    expect(await response.json()).toEqual({ method: 'GET', body: '' });
  });
});

describe('fetch semantics', () => {
  it("redirect: 'manual' returns the 3xx with its Location", async () => {
    const response = await httpFetch(`${origin}/redirect?to=/elsewhere`, { redirect: 'manual' });
    expect(response.status).toBe(307);
    expect(response.ok).toBe(false);
    expect(response.headers.get('Location')).toBe('/elsewhere');
    await response.body?.cancel();
  });

  it('follows redirects by default, dropping Authorization across origins only', async () => {
    seen.length = 0;
    const other = `http://localhost:${new URL(origin).port}/echo`;
    const same = await httpFetch(`${origin}/redirect?to=/echo`, { headers: { Authorization: 'Basic x' } });
    expect(same.status).toBe(200);
    expect(same.redirected).toBe(true);
    expect(same.url).toBe(`${origin}/echo`);
    await same.text();
    const cross = await httpFetch(`${origin}/redirect?to=${encodeURIComponent(other)}`, {
      headers: new Headers({ authorization: 'Basic x' }),
    });
    await cross.text();
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ['/redirect?to=/echo', 'Basic x'],
      ['/echo', 'Basic x'],
      [`/redirect?to=${encodeURIComponent(other)}`, 'Basic x'],
      ['/echo', undefined],
    ]);
  });

  it('a 303 after a POST becomes a GET without the body', async () => {
    const response = await httpFetch(`${origin}/see-other`, { method: 'POST', body: 'data' });
    expect(await response.json()).toEqual({ method: 'GET', body: '' });
  });

  it('sends byte, string and form bodies with their length', async () => {
    seen.length = 0;
    const bytes = await httpFetch(`${origin}/echo`, { method: 'PUT', body: new Uint8Array([104, 105]) });
    expect(await bytes.json()).toEqual({ method: 'PUT', body: 'hi' });
    const form = await httpFetch(`${origin}/echo`, {
      method: 'POST',
      body: new URLSearchParams({ a: 'b c' }),
    });
    expect(await form.json()).toEqual({ method: 'POST', body: 'a=b+c' });
    expect(seen[0]!.headers['content-length']).toBe('2');
    expect(seen[1]!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('joins repeated response headers; a 204 has no body', async () => {
    const response = await httpFetch(`${origin}/echo`);
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(response.headers.has('content-type')).toBe(true);
    await response.text();
    const empty = await httpFetch(`${origin}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('a body cut short errors its stream instead of ending it', async () => {
    const response = await httpFetch(`${origin}/cut`);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it('an abort signal rejects a pending request and errors a body being read', async () => {
    const before = new AbortController();
    before.abort(new Error('stopped early'));
    await expect(httpFetch(`${origin}/echo`, { signal: before.signal })).rejects.toThrow('stopped early');
    const during = new AbortController();
    const response = await httpFetch(`${origin}/slow`, { signal: during.signal });
    const reading = response.text();
    during.abort();
    await expect(reading).rejects.toThrow();
  });

  it('a refused connection is a TypeError whose cause names the error', async () => {
    const port = await freePort();
    await expect(httpFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      name: 'TypeError',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('https with a private CA: refused without it, accepted with it', async () => {
    const key = join(temp, 'key.pem');
    const cert = join(temp, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const tls = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
      res.end('secure'),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
    try {
      await expect(createHttpFetch()(url)).rejects.toMatchObject({ name: 'TypeError' });
      const trusting = await nodeFetch({ WASMBOX_REGISTRY_CA: cert });
      expect(await (await trusting(url)).text()).toBe('secure');
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});
