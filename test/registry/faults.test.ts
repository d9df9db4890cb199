// Fault injection between the client and a real registry: each fault either succeeds after a
// retry or fails with a clear error, and nothing unverified becomes visible in the store.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import type { Store } from '../../runtime/content/store.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { helloParts, pushFixtures } from '../fixtures/images.js';
import { type Fault, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { freePort, startRegistry, type TestRegistry } from '../helpers/registry.js';

let anon: TestRegistry;
let basic: TestRegistry;
let proxy: FaultProxy;
let basicProxy: FaultProxy;
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-faults-'));
const hello = helloParts();
const layerPath = `/v2/hello/blobs/${hello.layer.digest}`;
const sleeps: number[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeAll(async () => {
  [anon, basic] = await Promise.all([startRegistry('anonymous'), startRegistry('basic')]);
  await Promise.all([pushFixtures(anon, ['hello']), pushFixtures(basic, ['hello'])]);
  [proxy, basicProxy] = await Promise.all([startFaultProxy(anon.host), startFaultProxy(basic.host)]);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), basicProxy.stop(), anon.stop(), basic.stop()]);
  rmSync(temp, { recursive: true, force: true });
});
afterEach(() => {
  proxy.rule = undefined;
  basicProxy.rule = undefined;
  proxy.log.length = 0;
  basicProxy.log.length = 0;
  sleeps.length = 0;
});

/** Lets `times` matching requests fail, then passes the rest through. */
function times(n: number, match: (path: string) => boolean, fault: Fault) {
  let left = n;
  return (req: { url?: string; method?: string }) =>
    match(req.url ?? '') && req.method === 'GET' && left-- > 0 ? fault : undefined;
}

function layoutStore(name: string): OciLayoutStore {
  return new OciLayoutStore(join(temp, name), nodeFileApi);
}

const pull = (store: Store = new MemoryStore(), ref = `${proxy.host}/hello:latest`) =>
  pullImage(ref, { store, fetch, sleep, retry: { retries: 3 } });

describe('faults', () => {
  it('a connection cut mid-blob resumes with Range', async () => {
    proxy.rule = times(1, (p) => p === layerPath, { kind: 'cut', afterBytes: 5000 });
    const store = layoutStore('cut');
    await pull(store);
    expect(await store.info(hello.layer.digest)).toEqual({
      digest: hello.layer.digest,
      size: hello.layer.size,
    });
    const ranges = proxy.log.filter((l) => l.path === layerPath).map((l) => l.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('500s are retried with backoff; endless 500s fail naming the image', async () => {
    proxy.rule = times(2, (p) => p.includes('/manifests/'), { kind: 'status', status: 500 });
    await pull();
    expect(sleeps.length).toBe(2);
    proxy.rule = times(99, (p) => p.includes('/manifests/'), { kind: 'status', status: 503 });
    await expect(pull()).rejects.toMatchObject({
      code: 'ERR_REGISTRY',
      message: expect.stringContaining(`${proxy.host}/hello:latest`),
    });
  });

  it('429 waits as long as Retry-After says', async () => {
    proxy.rule = times(1, (p) => p === layerPath, {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '2' },
    });
    await pull();
    expect(sleeps).toEqual([2000]);
  });

  it('a blob whose bytes do not match its digest fails and leaves nothing visible', async () => {
    proxy.rule = times(99, (p) => p === layerPath, { kind: 'corrupt' });
    const store = layoutStore('corrupt');
    await expect(pull(store)).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
      message: expect.stringContaining(hello.layer.digest),
    });
    expect(await store.info(hello.layer.digest)).toBeUndefined();
    expect(await store.listImages()).toEqual([]);
    expect(readdirSync(join(temp, 'corrupt', 'ingest'))).toEqual([]);
  });

  it.each([
    [-100, /larger than the \d+ bytes its descriptor says/],
    [+100, /ends after \d+ bytes, its descriptor says/],
  ])('a manifest lying about a layer size (%i) fails clearly', async (delta, message) => {
    proxy.rule = times(99, (p) => p.includes('/manifests/'), {
      kind: 'rewrite',
      change: (body) =>
        Buffer.from(
          body.toString().replace(`"size":${hello.layer.size}`, `"size":${hello.layer.size + delta}`),
        ),
    });
    const store = layoutStore(`lying${delta}`);
    await expect(pull(store)).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
      message: expect.stringMatching(message),
    });
    expect(await store.list()).toHaveLength(1); // only the config, which was verified
  });

  it('a digest-pinned pull refuses different content', async () => {
    proxy.rule = times(99, (p) => p.includes('/manifests/'), {
      kind: 'rewrite',
      change: (body) => Buffer.from(`${body.toString()} `),
    });
    await expect(
      pull(new MemoryStore(), `${proxy.host}/hello@${hello.manifest.digest}`),
    ).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    });
    proxy.rule = undefined;
    const record = await pull(new MemoryStore(), `${proxy.host}/hello@${hello.manifest.digest}`);
    expect(record.digest).toBe(hello.manifest.digest);
  });

  it('a redirect to another origin drops Authorization', async () => {
    basicProxy.rule = (req) =>
      req.url === layerPath ? { kind: 'redirect', location: `http://${proxy.host}${layerPath}` } : undefined;
    await pullImage(`${basicProxy.host}/hello`, {
      store: new MemoryStore(),
      fetch,
      credentials: async () => basic.user,
    });
    expect(
      basicProxy.log.some((l) => l.path.includes('/manifests/') && l.authorization?.startsWith('Basic ')),
    ).toBe(true);
    const redirected = proxy.log.filter((l) => l.path === layerPath);
    expect(redirected).toHaveLength(1);
    expect(redirected[0]!.authorization).toBeUndefined();
  });

  it('an unreachable registry is a network error after retries', async () => {
    const port = await freePort();
    await expect(pull(new MemoryStore(), `127.0.0.1:${port}/hello`)).rejects.toMatchObject({
      code: 'ERR_NETWORK',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    expect(sleeps).toHaveLength(3);
  });
});
