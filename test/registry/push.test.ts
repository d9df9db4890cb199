// wasmbox push against a real registry (CNCF distribution on loopback): monolithic and chunked
// uploads, HEAD skips, cross-repository mounts, token auth with push scope; pulled back by
// wasmbox and by skopeo with identical digests.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../runtime/build/build.js';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import type { Store } from '../../runtime/content/store.js';
import { MediaTypes } from '../../runtime/core/media-types.js';
import { loadImage } from '../../runtime/image/images.js';
import { pullImage } from '../../runtime/image/pull.js';
import { type PushEvent, pushImage } from '../../runtime/image/push.js';
import { nodeBuildContext } from '../../runtime/platform/node/build-context.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { makeContext } from '../build/helpers.js';
import { helloWasm } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-push-'));
let anon: TestRegistry;
let token: TestRegistry;
let n = 0;

beforeAll(async () => {
  [anon, token] = await Promise.all([startRegistry('anonymous'), startRegistry('token')]);
});
afterAll(async () => {
  await Promise.all([anon.stop(), token.stop()]);
  rmSync(temp, { recursive: true, force: true });
});

const newStore = () =>
  new OciLayoutStore(join(temp, `store${n++}`), nodeFileApi, { createHasher: nodeSha256 });

/** A fetch that records each request's method and URL path. */
function recordingFetch(): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = [];
  const wrapped = ((input: string | URL | Request, init?: RequestInit) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  }) as typeof fetch;
  return { fetch: wrapped, requests };
}

async function buildHello(store: Store, name: string, extra: string | Uint8Array = ''): Promise<string> {
  const context = makeContext({ 'hello.wasm': helloWasm, 'big.bin': extra });
  const result = await buildImage({
    store,
    context: nodeBuildContext(context),
    containerfile: `FROM scratch\nCOPY --chmod=755 hello.wasm /\n${extra.length > 0 ? 'COPY big.bin /\n' : ''}ENTRYPOINT ["/hello.wasm"]\n`,
    tags: [name],
    createHasher: nodeSha256,
  });
  return result.digest;
}

const blobStatuses = (events: PushEvent[]) =>
  events
    .flatMap((e) => (e.type === 'blob' && e.status !== 'uploading' ? [`${e.role}:${e.status}`] : []))
    .sort();

describe('push', () => {
  it('uploads a built image; wasmbox and skopeo pull it back with the same digest', async () => {
    const store = newStore();
    const name = `${anon.host}/hello:v1`;
    const digest = await buildHello(store, name);
    const events: PushEvent[] = [];
    const result = await pushImage(name, { store, fetch, onProgress: (e) => events.push(e) });
    expect(result).toMatchObject({ name, digest });
    expect(blobStatuses(events)).toEqual(['config:done', 'layer:done']);

    const back = newStore();
    expect((await pullImage(name, { store: back, fetch })).digest).toBe(digest);
    const loaded = await loadImage(back, name);
    expect(loaded.config?.config?.Entrypoint).toEqual(['/hello.wasm']);
    const inspect = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`])).stdout,
    );
    expect(inspect).toMatchObject({ Digest: digest, Os: 'wasip1', Architecture: 'wasm' });
    const copy = join(temp, 'skopeo-copy');
    await run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${name}`, `oci:${copy}:x`]);
    expect(JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')).manifests[0].digest).toBe(digest);

    // Again: every blob is found with HEAD and nothing is uploaded.
    const again: PushEvent[] = [];
    const recorder = recordingFetch();
    await pushImage(name, { store, fetch: recorder.fetch, onProgress: (e) => again.push(e) });
    expect(blobStatuses(again)).toEqual(['config:exists', 'layer:exists']);
    expect(recorder.requests.filter((r) => r.startsWith('POST') || r.startsWith('PATCH'))).toEqual([]);
  });

  it('mounts blobs from another repository of the same registry', async () => {
    const store = newStore();
    const first = `${anon.host}/mount-src:v1`;
    const digest = await buildHello(store, first, 'x'.repeat(1000));
    await pushImage(first, { store, fetch });
    const second = `${anon.host}/team/mount-dst:v1`;
    await store.putImage({ ...(await store.getImage(first))!, name: second });
    const events: PushEvent[] = [];
    const recorder = recordingFetch();
    await pushImage(second, { store, fetch: recorder.fetch, onProgress: (e) => events.push(e) });
    expect(blobStatuses(events)).toEqual(['config:mounted', 'layer:mounted', 'layer:mounted']);
    expect(events.find((e) => e.type === 'blob' && e.status === 'mounted')).toMatchObject({
      from: 'mount-src',
    });
    expect(recorder.requests.some((r) => r.startsWith('PUT /v2/team/mount-dst/blobs'))).toBe(false);
    const inspect = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${second}`])).stdout,
    );
    expect(inspect.Digest).toBe(digest);
  });

  it('uploads big blobs in chunks (POST, PATCH…, PUT)', async () => {
    const store = newStore();
    const name = `${anon.host}/chunked:v1`;
    // Incompressible, so the gzip layer stays bigger than several chunks.
    const random = randomBytes(100_000);
    const digest = await buildHello(store, name, random);
    const recorder = recordingFetch();
    await pushImage(name, { store, fetch: recorder.fetch, monolithicLimit: 16 * 1024, chunkSize: 16 * 1024 });
    const patches = recorder.requests.filter((r) => r.startsWith('PATCH /v2/chunked/blobs/uploads/'));
    expect(patches.length).toBeGreaterThan(2);
    const inspect = JSON.parse(
      (await run('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`])).stdout,
    );
    expect(inspect.Digest).toBe(digest);
    const back = newStore();
    await pullImage(name, { store: back, fetch });
    const layer = (await loadImage(back, name)).layers[1]!;
    expect((await back.info(layer.digest))?.size).toBe(layer.size);
  });

  it('pushes the CNCF wasm artifact', async () => {
    const store = newStore();
    const name = `${anon.host}/artifact:v0`;
    const result = await buildImage({
      store,
      context: nodeBuildContext(makeContext({ 'hello.wasm': helloWasm })),
      tags: [name],
      format: 'artifact',
    });
    await pushImage(name, { store, fetch });
    const raw = JSON.parse(
      (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${name}`])).stdout,
    );
    expect(raw.config.mediaType).toBe(MediaTypes.wasmConfigV0);
    const back = newStore();
    const record = await pullImage(name, { store: back, fetch });
    expect(record.digest).toBe(result.digest);
    expect(record.annotations['io.wasmbox.packaging']).toBe('wasm-artifact');
  });

  it('asks the token service for push scope, and for pull on the mount source', async () => {
    const store = newStore();
    const credentials = async () => token.user;
    const first = `${token.host}/tok-a:v1`;
    const digest = await buildHello(store, first);
    await expect(pushImage(first, { store, fetch })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    await pushImage(first, { store, fetch, credentials });
    expect(token.issuer!.requests.map((r) => r.scope)).toContain('repository:tok-a:pull,push');
    const second = `${token.host}/tok-b:v1`;
    await store.putImage({ ...(await store.getImage(first))!, name: second });
    const events: PushEvent[] = [];
    await pushImage(second, { store, fetch, credentials, onProgress: (e) => events.push(e) });
    expect(blobStatuses(events)).toEqual(['config:mounted', 'layer:mounted']);
    expect(token.issuer!.requests.map((r) => r.scope)).toContain(
      'repository:tok-b:pull,push repository:tok-a:pull',
    );
    const back = newStore();
    expect((await pullImage(second, { store: back, fetch, credentials })).digest).toBe(digest);
  });

  it('refuses a local image that is not named for a registry, and a missing one', async () => {
    const store = newStore();
    await expect(pushImage('localhost:1/none:v1', { store, fetch })).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: 'image localhost:1/none:v1 is not in the local store',
    });
  });
});
