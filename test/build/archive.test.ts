// wasmbox save / load and `oci-archive:` references: archives read by skopeo, made by skopeo,
// reproducible, and verified on the way in.

import { execFile } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../runtime/build/build.js';
import { ociArchive, planLayout } from '../../runtime/build/export.js';
import { loadArchive } from '../../runtime/build/load.js';
import type { ImageRecord, Store } from '../../runtime/content/store.js';
import { loadImage } from '../../runtime/image/images.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeBuildContext } from '../../runtime/platform/node/build-context.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { repoRoot } from '../fixtures/images.js';
import { cleanup, newStore, temp } from './helpers.js';

const run = promisify(execFile);
afterAll(cleanup);

let store: Store;
let records: ImageRecord[];
const archive = join(temp, 'two.tar');

async function save(into: string, list: ImageRecord[]): Promise<void> {
  await pipeline(Readable.from(ociArchive(store, await planLayout(store, list))), createWriteStream(into));
}

beforeAll(async () => {
  store = newStore();
  records = [];
  for (const [name, tag] of [
    ['hello', 'v1'],
    ['cat', 'v2'],
  ]) {
    const result = await buildImage({
      store,
      context: nodeBuildContext(join(repoRoot, 'images', 'wasm')),
      containerfile: readFileSync(join(repoRoot, 'images', 'src', name!, 'Containerfile'), 'utf8'),
      tags: [`localhost/t/${name}:${tag}`],
    });
    records.push(...result.records);
  }
  await save(archive, records);
});

describe('save', () => {
  it('writes an OCI archive skopeo reads, the same bytes every time', async () => {
    for (const [i, tag] of ['v1', 'v2'].entries()) {
      const inspect = JSON.parse((await run('skopeo', ['inspect', `oci-archive:${archive}:${tag}`])).stdout);
      expect(inspect).toMatchObject({ Digest: records[i]!.digest, Os: 'wasip1' });
    }
    const copy = join(temp, 'copy');
    await run('skopeo', ['copy', '-q', `oci-archive:${archive}:v2`, `oci:${copy}:c`]);
    expect(JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')).manifests[0].digest).toBe(
      records[1]!.digest,
    );
    const again = join(temp, 'again.tar');
    await save(again, records);
    expect(readFileSync(again).equals(readFileSync(archive))).toBe(true);
  });
});

describe('load', () => {
  it('loads every image of the archive under its name', async () => {
    const target = newStore();
    const loaded = await loadArchive(archive, { store: target, files: nodeFileApi });
    expect(loaded.map((r) => [r.name, r.digest])).toEqual(records.map((r) => [r.name, r.digest]));
    const image = await loadImage(target, 'localhost/t/cat:v2');
    expect(image.config?.config?.Entrypoint).toEqual(['/cat.wasm']);
  });

  it('loads an archive made by skopeo (no full names: named oci-archive:FILE:TAG)', async () => {
    const made = join(temp, 'skopeo.tar');
    await run('skopeo', [
      'copy',
      '-q',
      `oci:${join(repoRoot, 'images', 'hello')}:latest`,
      `oci-archive:${made}:latest`,
    ]);
    const target = newStore();
    const [record] = await loadArchive(made, { store: target, files: nodeFileApi });
    expect(record).toMatchObject({ name: `oci-archive:${made}:latest`, digest: records[0]!.digest });
  });

  it('refuses an archive whose blob does not match its digest', async () => {
    const bytes = readFileSync(archive);
    const layer = (await loadImage(store, records[0]!.name)).layers[0]!;
    const at = bytes.indexOf(Buffer.from(`blobs/sha256/${layer.digest.slice(7)}`));
    // The blob's data starts one header block after its name; flip a byte in it.
    bytes[at + 512 + 100] = (bytes[at + 512 + 100]! + 1) & 0xff;
    const bad = join(temp, 'bad.tar');
    writeFileSync(bad, bytes);
    await expect(loadArchive(bad, { store: newStore(), files: nodeFileApi })).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    });
    await expect(
      loadArchive(join(temp, 'missing.tar'), { store: newStore(), files: nodeFileApi }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('pulls from an oci-archive: reference', async () => {
    const target = newStore();
    const record = await pullImage(`oci-archive:${archive}:v1`, { store: target, files: nodeFileApi });
    expect(record).toMatchObject({ name: `oci-archive:${archive}:v1`, digest: records[0]!.digest });
    await expect(
      pullImage(`oci-archive:${archive}:nope`, { store: target, files: nodeFileApi }),
    ).rejects.toThrow(/has no image named "nope"/);
  });
});
