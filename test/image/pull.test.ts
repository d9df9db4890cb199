// Pulls every fixture packaging from a real registry into the on-disk store, checks the result with
// skopeo and umoci, and exercises the local library (load, rmi, prune) and the oci: transport.

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import { MediaTypes } from '../../runtime/core/media-types.js';
import { loadImage, pruneBlobs, removeImage } from '../../runtime/image/images.js';
import { type PullEvent, pullImage } from '../../runtime/image/pull.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { fixtureNames, helloLayout, helloParts, helloWasm, pushFixtures } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const run = promisify(execFile);
let registry: TestRegistry;
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-pull-'));
const hello = helloParts();

beforeAll(async () => {
  registry = await startRegistry('anonymous');
  await pushFixtures(registry);
});
afterAll(async () => {
  await registry.stop();
  rmSync(temp, { recursive: true, force: true });
});

let n = 0;
const newStore = () =>
  new OciLayoutStore(join(temp, `store${n++}`), nodeFileApi, { createHasher: nodeSha256 });
const ref = (name: string) => `${registry.host}/${name}`;

describe('pull', () => {
  it('an OCI image: skopeo and umoci read the store; events describe the pull', async () => {
    const store = newStore();
    const events: PullEvent[] = [];
    const record = await pullImage(ref(fixtureNames.hello), {
      store,
      fetch,
      onProgress: (e) => events.push(e),
    });
    expect(record).toMatchObject({
      name: ref(fixtureNames.hello),
      digest: hello.manifest.digest,
      mediaType: MediaTypes.ociManifest,
    });
    const { stdout } = await run('skopeo', ['inspect', `oci:${store.root}:${record.name}`]);
    expect(JSON.parse(stdout)).toMatchObject({
      Digest: hello.manifest.digest,
      Os: 'wasip1',
      Architecture: 'wasm',
    });
    await run('umoci', ['stat', '--image', `${store.root}:${record.name}`]);
    const order = events
      .filter((e) => e.type !== 'bytes')
      .map((e) => (e.type === 'blob' ? `${e.role}:${e.status}` : e.type));
    expect([...order].sort()).toEqual([
      'config:done',
      'config:downloading',
      'layer:done',
      'layer:downloading',
      'resolved',
    ]);
    // The layer downloads along with the config but is committed only once the platform checks out.
    expect(order.indexOf('resolved')).toBeGreaterThan(order.indexOf('config:done'));
    expect(order.indexOf('layer:done')).toBeGreaterThan(order.indexOf('resolved'));
    expect(
      events.filter((e) => e.type === 'bytes').reduce((s, e) => s + (e.type === 'bytes' ? e.bytes : 0), 0),
    ).toBe(hello.layer.size + hello.config.size);
    // A second pull finds every blob in place.
    const again: PullEvent[] = [];
    await pullImage(ref(fixtureNames.hello), { store, fetch, onProgress: (e) => again.push(e) });
    expect(
      again.filter((e) => e.type === 'blob').every((e) => e.type === 'blob' && e.status === 'exists'),
    ).toBe(true);
  });

  it('Docker v2 types are stored in their OCI form, the registry digest kept', async () => {
    const store = newStore();
    const record = await pullImage(ref(fixtureNames.dockerV2), { store, fetch });
    expect(record.mediaType).toBe(MediaTypes.ociManifest);
    expect(record.annotations['io.wasmbox.source.digest']).toMatch(/^sha256:/);
    expect(record.annotations['io.wasmbox.source.digest']).not.toBe(record.digest);
    const loaded = await loadImage(store, ref(fixtureNames.dockerV2));
    expect(loaded.layers.map((l) => l.mediaType)).toEqual([MediaTypes.ociLayerGzip]);
    const { stdout } = await run('skopeo', ['inspect', `oci:${store.root}:${record.name}`]);
    expect(JSON.parse(stdout).Os).toBe('wasip1');
  });

  it('a zstd layer', async () => {
    const store = newStore();
    await pullImage(ref(fixtureNames.zstd), { store, fetch });
    const loaded = await loadImage(store, ref(fixtureNames.zstd));
    expect(loaded.layers.map((l) => l.mediaType)).toEqual([MediaTypes.ociLayerZstd]);
    expect(loaded.config?.config?.Entrypoint).toEqual(['/hello.wasm']);
  });

  it('a multi-platform index: wasip1 by default, --platform forces, attestations skipped, errors list offers', async () => {
    const store = newStore();
    const record = await pullImage(ref(fixtureNames.multi), { store, fetch });
    expect(record.digest).toBe(hello.manifest.digest);
    expect(record.annotations['io.wasmbox.platform']).toBe('wasip1/wasm');
    const wasi = await pullImage(ref(fixtureNames.multi), { store, fetch, platform: 'wasi/wasm' });
    expect(wasi.annotations['io.wasmbox.platform']).toBe('wasi/wasm');
    expect(wasi.digest).not.toBe(hello.manifest.digest);
    await expect(
      pullImage(ref(fixtureNames.multi), { store, fetch, platform: 'linux/arm64' }),
    ).rejects.toMatchObject({
      code: 'ERR_NO_MATCHING_PLATFORM',
      message: expect.stringMatching(/offers linux\/amd64, wasi\/wasm, wasip1\/wasm$/),
    });
    await expect(pullImage(ref(fixtureNames.linuxIndex), { store, fetch })).rejects.toThrow(
      /the index offers linux\/amd64$/,
    );
    // A single linux manifest: its layer starts along with the config. Here the config comes
    // late, after the whole layer: the layer is downloaded but never committed.
    const [repo, tag] = fixtureNames.linux.split(':');
    const manifest = (await (
      await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, {
        headers: { accept: MediaTypes.ociManifest },
      })
    ).json()) as { config: { digest: string }; layers: { digest: string }[] };
    let layerDone!: () => void;
    const layerFetched = new Promise<void>((resolve) => (layerDone = resolve));
    const lateConfig: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url.endsWith(manifest.config.digest)) await layerFetched;
      const response = await fetch(input, init);
      if (!url.endsWith(manifest.layers[0]!.digest)) return response;
      const body = new Uint8Array(await response.arrayBuffer());
      layerDone();
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const linuxStore = newStore();
    const linuxEvents: PullEvent[] = [];
    await expect(
      pullImage(ref(fixtureNames.linux), {
        store: linuxStore,
        fetch: lateConfig,
        onProgress: (e) => linuxEvents.push(e),
      }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_WASM' });
    expect(linuxEvents.map((e) => e.type === 'blob' && `${e.role}:${e.status}`)).toContain(
      'layer:downloading',
    );
    expect((await linuxStore.list()).map((b) => b.digest)).toEqual([manifest.config.digest]);
    expect(readdirSync(join(linuxStore.root, 'ingest'))).toEqual([]);
    expect(await linuxStore.listImages()).toEqual([]);
  });

  it.each([
    [fixtureNames.artifact, 'wasm-artifact', MediaTypes.wasmLayer],
    [fixtureNames.component, 'component-layer', MediaTypes.wasmComponentLayer],
    [fixtureNames.wasmToOci, 'wasm-to-oci', MediaTypes.wasmContentLayerV1],
  ])('the raw wasm packaging %s', async (name, packaging, layerType) => {
    const store = newStore();
    await pullImage(ref(name), { store, fetch });
    const loaded = await loadImage(store, ref(name));
    expect(loaded.packaging).toBe(packaging);
    expect(loaded.wasm?.mediaType).toBe(layerType);
    expect(Buffer.from(await store.read(loaded.wasm!.digest)).equals(helloWasm)).toBe(true);
  });

  it('an oci: layout directory as the source', async () => {
    const store = newStore();
    const record = await pullImage(`oci:${helloLayout}:latest`, { store, files: nodeFileApi });
    expect(record.digest).toBe(hello.manifest.digest);
    await expect(pullImage(`oci:${helloLayout}:nope`, { store, files: nodeFileApi })).rejects.toThrow(
      /has no image named "nope"/,
    );
    await expect(pullImage('oci-archive:/x.tar', { store })).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
    });
  });

  it('two pulls of one image into one directory at once leave a consistent store', async () => {
    const dir = join(temp, 'concurrent');
    const a = new OciLayoutStore(dir, nodeFileApi);
    const b = new OciLayoutStore(dir, nodeFileApi);
    await Promise.all([
      pullImage(ref(fixtureNames.hello), { store: a, fetch }),
      pullImage(ref(fixtureNames.zstd), { store: b, fetch }),
      pullImage(ref(fixtureNames.hello), { store: b, fetch }),
    ]);
    expect((await a.listImages()).map((r) => r.name).sort()).toEqual(
      [ref(fixtureNames.hello), ref(fixtureNames.zstd)].sort(),
    );
    await loadImage(a, ref(fixtureNames.hello));
    await loadImage(a, ref(fixtureNames.zstd));
  });

  it('rmi removes blobs only that image used; prune removes unreferenced blobs', async () => {
    const store = newStore();
    await pullImage(ref(fixtureNames.hello), { store, fetch });
    await pullImage(ref(fixtureNames.zstd), { store, fetch });
    const before = await store.list();
    const { removed } = await removeImage(store, ref(fixtureNames.zstd));
    // The config is shared with hello: only the zstd layer and manifest go.
    expect(removed.map((b) => b.digest)).not.toContain(hello.config.digest);
    expect(removed).toHaveLength(2);
    expect((await store.list()).length).toBe(before.length - 2);
    await loadImage(store, hello.manifest.digest.slice(7, 19));
    await expect(loadImage(store, ref(fixtureNames.zstd))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await store.deleteImage(ref(fixtureNames.hello));
    const pruned = await pruneBlobs(store);
    expect(pruned.removed).toHaveLength(3);
    expect(await store.list()).toEqual([]);
  });
});
