// Runs the content store conformance suite against the memory store and the OCI layout store on
// disk, then checks the on-disk layout is what skopeo and umoci read.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import { digestOf } from '../../runtime/core/digest.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { storeConformance } from './conformance.js';

const run = promisify(execFile);
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-content-'));
let n = 0;
afterAll(() => rmSync(temp, { recursive: true, force: true }));

storeConformance('memory', async () => new MemoryStore());
storeConformance(
  'oci-layout',
  async () => new OciLayoutStore(join(temp, `s${n++}`), nodeFileApi, { createHasher: nodeSha256 }),
);

describe('oci-layout store on disk', () => {
  it('is an OCI image layout skopeo and umoci can read', async () => {
    const dir = join(temp, 'readable');
    const store = new OciLayoutStore(dir, nodeFileApi);
    const helloDir = new URL('../../images/hello/', import.meta.url).pathname;
    const index = JSON.parse(readFileSync(join(helloDir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; size: number; mediaType: string }[];
    };
    // Copy the hello image blob by blob through the store's verified writer.
    for (const name of readdirSync(join(helloDir, 'blobs', 'sha256'))) {
      const data = new Uint8Array(readFileSync(join(helloDir, 'blobs', 'sha256', name)));
      const w = await store.writer({ digest: digestOf(data), size: data.length });
      await w.write(data);
      await w.commit();
    }
    const m = index.manifests[0]!;
    await store.putImage({
      name: 'docker.io/library/hello:latest',
      digest: digestOf(readFileSync(join(helloDir, 'blobs', 'sha256', m.digest.slice(7)))),
      mediaType: m.mediaType,
      size: m.size,
      annotations: {},
    });
    const { stdout } = await run('skopeo', ['inspect', `oci:${dir}:docker.io/library/hello:latest`]);
    expect(JSON.parse(stdout)).toMatchObject({ Os: 'wasip1', Architecture: 'wasm' });
    const stat = await run('umoci', ['stat', '--image', `${dir}:docker.io/library/hello:latest`, '--json']);
    expect(JSON.parse(stat.stdout).history).toBeDefined();
    expect(readdirSync(join(dir, 'ingest'))).toEqual([]);
  });

  it('a killed writer leaves only an ingest file, which prune of stale ingests removes', async () => {
    const dir = join(temp, 'killed');
    const store = new OciLayoutStore(dir, nodeFileApi);
    const data = new Uint8Array(1000).fill(7);
    const w = await store.writer({ digest: digestOf(data), size: data.length });
    await w.write(data.subarray(0, 500));
    // No commit, no abort: as if the process died here.
    expect(await store.info(digestOf(data))).toBeUndefined();
    expect(readdirSync(join(dir, 'blobs', 'sha256'))).toEqual([]);
    expect(readdirSync(join(dir, 'ingest')).length).toBe(1);
    expect(await store.removeStaleIngests(60_000)).toBe(0);
    expect(await store.removeStaleIngests(0)).toBe(1);
    expect(existsSync(join(dir, 'index.json'))).toBe(true);
  });

  it('continues a partial ingest whose owner is gone, never one whose owner runs', async () => {
    const dir = join(temp, 'resume');
    const alive = new Set(['host:1']);
    const open = (owner: string) =>
      new OciLayoutStore(dir, nodeFileApi, {
        createHasher: nodeSha256,
        owner,
        ownerAlive: (o) => alive.has(o),
      });
    const data = new Uint8Array(randomBytes(3 << 20));
    const expected = { digest: digestOf(data, nodeSha256), size: data.length };
    const store = open('host:2');
    await store.list(); // creates the layout
    // What a pull killed after its first MiB leaves: the ingest and its owner file.
    const hex = expected.digest.slice(7);
    mkdirSync(join(dir, 'ingest'), { recursive: true });
    writeFileSync(join(dir, 'ingest', `${hex}-dead`), data.subarray(0, 1 << 20));
    writeFileSync(join(dir, 'ingest', `${hex}-dead.owner`), 'host:1');
    expect(await store.resumable(expected)).toBe(false); // host:1 still runs
    const fresh = await store.writer(expected, { resume: true });
    expect(fresh.offset).toBe(0);
    await fresh.abort();
    alive.delete('host:1');
    expect(await store.resumable(expected)).toBe(true);
    const resumed = await store.writer(expected, { resume: true });
    expect(resumed.offset).toBe(1 << 20);
    await resumed.write(data.subarray(1 << 20));
    await resumed.commit();
    expect(Buffer.from(await store.read(expected.digest)).equals(Buffer.from(data))).toBe(true);
    expect(readdirSync(join(dir, 'ingest'))).toEqual([]);
  });

  it('without owners, an ingest counts as abandoned after 30 s; a bad partial fails its digest', async () => {
    const dir = join(temp, 'resume-old');
    const store = new OciLayoutStore(dir, nodeFileApi, { createHasher: nodeSha256 });
    await store.list();
    const data = new Uint8Array(randomBytes(100_000));
    const expected = { digest: digestOf(data, nodeSha256), size: data.length };
    const partial = join(dir, 'ingest', `${expected.digest.slice(7)}-old`);
    mkdirSync(join(dir, 'ingest'), { recursive: true });
    writeFileSync(partial, new Uint8Array(50_000).fill(1)); // not the blob's first bytes
    expect(await store.resumable(expected)).toBe(false);
    utimesSync(partial, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await store.resumable(expected)).toBe(true);
    const resumed = await store.writer(expected, { resume: true });
    expect(resumed.offset).toBe(50_000);
    await resumed.write(data.subarray(50_000));
    await expect(resumed.commit()).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    expect(await store.info(expected.digest)).toBeUndefined();
    expect(readdirSync(join(dir, 'ingest'))).toEqual([]);
  });

  it('two store instances (two processes) on one directory keep a consistent index', async () => {
    const dir = join(temp, 'shared');
    const a = new OciLayoutStore(dir, nodeFileApi);
    const b = new OciLayoutStore(dir, nodeFileApi);
    const digest = digestOf(new Uint8Array(0));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).putImage({ name: `x.io/app:${i}`, digest, mediaType: 'm', size: 0, annotations: {} }),
      ),
    );
    expect((await a.listImages()).length).toBe(10);
    expect(readdirSync(dir).filter((f) => f.includes('lock') || f.includes('tmp'))).toEqual([]);
  });
});
