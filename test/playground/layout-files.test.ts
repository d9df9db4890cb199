// The FileApi over fetch (runtime/platform/browser/layout-files.ts): the repo's OCI layouts served
// by a real HTTP server on 127.0.0.1 and pulled into a MemoryStore with `oci:PATH` references.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { loadImage } from '../../runtime/image/images.js';
import { type PullEvent, pullImage } from '../../runtime/image/pull.js';
import { httpLayoutFiles } from '../../runtime/platform/browser/layout-files.js';
import { type StaticServer, serveStatic } from '../helpers/browser.js';

const images = new URL('../../images', import.meta.url).pathname;
let server: StaticServer;

beforeAll(async () => {
  server = await serveStatic(images);
});
afterAll(() => server.close());

const files = () => httpLayoutFiles({ fetch: globalThis.fetch, base: `${server.url}/` });

describe('httpLayoutFiles', () => {
  it('pulls a served OCI layout into a memory store, verified, with progress per blob', async () => {
    const store = new MemoryStore();
    const events: PullEvent[] = [];
    const record = await pullImage('oci:layered', {
      store,
      files: files(),
      onProgress: (event) => events.push(event),
    });
    expect(record.name).toBe('oci:layered');
    const image = await loadImage(store, 'oci:layered');
    expect(image.layers).toHaveLength(4);
    for (const layer of image.layers) {
      const onDisk = readFileSync(join(images, 'layered/blobs/sha256', layer.digest.slice(7)));
      expect(Buffer.from(await store.read(layer.digest)).equals(onDisk)).toBe(true);
    }
    const done = events.filter((e) => e.type === 'blob' && e.role === 'layer' && e.status === 'done');
    expect(done).toHaveLength(4);
  });

  it('resolves paths against its base: a nested base and absolute paths', async () => {
    const nested = httpLayoutFiles({ fetch: globalThis.fetch, base: `${server.url}/hello/blobs/` });
    expect(await nested.read('../index.json')).toEqual(
      new Uint8Array(readFileSync(join(images, 'hello/index.json'))),
    );
    expect(await nested.read('/hello/oci-layout')).toEqual(
      new Uint8Array(readFileSync(join(images, 'hello/oci-layout'))),
    );
  });

  it('reads, streams and stats files; a missing file is undefined', async () => {
    const api = files();
    const index = readFileSync(join(images, 'hello/index.json'));
    expect(await api.stat('hello/index.json')).toMatchObject({ size: index.length });
    expect(await api.stat('hello/nope.json')).toBeUndefined();
    expect(await api.read('hello/nope.json')).toBeUndefined();
    const chunks: Uint8Array[] = [];
    for await (const chunk of api.readChunks('hello/index.json')) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(index)).toBe(true);
    await expect(async () => {
      for await (const _ of api.readChunks('hello/nope.json')) {
        // nothing: it throws first
      }
    }).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('names the layout when it is not one', async () => {
    await expect(pullImage('oci:src', { store: new MemoryStore(), files: files() })).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: 'oci:src: not an OCI image layout (no index.json)',
    });
  });

  it('refuses a blob whose bytes were changed on the way', async () => {
    const tampering: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      const url = String(input);
      if (!url.includes('/blobs/') || init?.method === 'HEAD') return response;
      const bytes = new Uint8Array(await response.arrayBuffer());
      // Only layer blobs are big; manifests and configs stay intact so the pull gets to the layer.
      if (bytes.length > 4096) bytes[100] = (bytes[100] ?? 0) ^ 0xff;
      return new Response(bytes, { status: 200 });
    };
    await expect(
      pullImage('oci:hello', {
        store: new MemoryStore(),
        files: httpLayoutFiles({ fetch: tampering, base: `${server.url}/` }),
      }),
    ).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
  });

  it('reports server errors and unreachable servers with the URL', async () => {
    const failing = httpLayoutFiles({
      fetch: async () => new Response('boom', { status: 500 }),
      base: 'http://127.0.0.1:9/',
    });
    await expect(failing.read('hello/index.json')).rejects.toMatchObject({
      code: 'ERR_HOST_IO',
      message: 'http://127.0.0.1:9/hello/index.json: HTTP 500',
    });
    const down = httpLayoutFiles({ fetch: globalThis.fetch, base: 'http://127.0.0.1:9/' });
    await expect(down.read('x')).rejects.toMatchObject({ code: 'ERR_NETWORK' });
  });

  it('is read-only: every change and listing is refused, not ignored', async () => {
    const api = files();
    for (const attempt of [
      () => api.create('hello/x'),
      () => api.createExclusive('hello/x', new Uint8Array(1)),
      () => api.rename('hello/index.json', 'hello/y'),
      () => api.remove('hello/index.json'),
      () => api.mkdirp('hello/d'),
      () => api.list('hello'),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    }
    expect(await api.read('hello/index.json')).toBeDefined();
  });
});
