// `wasmbox save`: images of the store as an OCI image layout, written as a directory (through a
// FileApi) or as an OCI archive (a tar of the layout, streamed). Deterministic: blobs sorted by
// digest, fixed tar metadata; index.json names each image as `docker save` does.

import type { FileApi } from '../content/file-api.js';
import type { ContentStore, ImageRecord } from '../content/store.js';
import { type Digest, digestHex } from '../core/digest.js';
import { MediaTypes } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';
import { parseManifest } from '../image/manifest.js';
import { parseReference } from '../reference/reference.js';
import { tarHeader, tarPadding, tarTrailer } from './tar-writer.js';

/** index.json annotation with the full image name (containerd's, read by `docker load`). */
export const imageNameAnnotation = 'io.containerd.image.name';
const refNameAnnotation = 'org.opencontainers.image.ref.name';

export interface LayoutPlan {
  /** The bytes of index.json. */
  index: Uint8Array;
  /** Every blob the images need, sorted by digest. */
  blobs: { digest: Digest; size: number }[];
}

const encoder = new TextEncoder();
const layoutFile = encoder.encode('{"imageLayoutVersion":"1.0.0"}');

/** The short name skopeo's `oci:DIR:NAME` selects by: the tag (`latest`), as docker save writes it. */
function refName(name: string): string {
  try {
    const ref = parseReference(name);
    if (ref.transport === 'registry') return ref.tag ?? ref.digest ?? 'latest';
    return ref.tag ?? 'latest';
  } catch {
    return name;
  }
}

/** What a layout holding `records` contains. */
export async function planLayout(store: ContentStore, records: readonly ImageRecord[]): Promise<LayoutPlan> {
  const blobs = new Map<Digest, number>();
  const manifests = [];
  for (const record of records) {
    const bytes = await store.read(record.digest);
    const manifest = parseManifest(bytes, record.mediaType, `manifest of ${record.name}`);
    if (manifest.kind !== 'manifest') {
      throw new RuntimeError('ERR_BAD_MANIFEST', `${record.name}: the record names an index`);
    }
    blobs.set(record.digest, bytes.length);
    for (const desc of [manifest.config, ...manifest.layers]) {
      const info = await store.info(desc.digest);
      if (!info) {
        throw new RuntimeError(
          'ERR_NOT_FOUND',
          `${record.name}: blob ${desc.digest} is missing from the store (pull again)`,
        );
      }
      blobs.set(desc.digest, info.size);
    }
    manifests.push({
      mediaType: record.mediaType,
      digest: record.digest,
      size: bytes.length,
      annotations: { [imageNameAnnotation]: record.name, [refNameAnnotation]: refName(record.name) },
    });
  }
  const index = encoder.encode(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests }),
  );
  const sorted = [...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, size]) => ({ digest, size }));
  return { index, blobs: sorted };
}

/** Writes the layout into `dir`, which must be missing or empty. */
export async function writeLayout(
  store: ContentStore,
  plan: LayoutPlan,
  files: FileApi,
  dir: string,
): Promise<void> {
  if ((await files.list(dir)).length > 0) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `${dir}: not empty (save --layout writes a new directory)`,
    );
  }
  await files.mkdirp(`${dir}/blobs/sha256`);
  const write = async (path: string, chunks: AsyncIterable<Uint8Array> | Uint8Array[]) => {
    const sink = await files.create(path);
    try {
      for await (const chunk of chunks) await sink.write(chunk);
    } finally {
      await sink.close();
    }
  };
  for (const blob of plan.blobs) {
    await write(`${dir}/blobs/sha256/${digestHex(blob.digest)}`, store.readChunks(blob.digest));
  }
  await write(`${dir}/oci-layout`, [layoutFile]);
  await write(`${dir}/index.json`, [plan.index]);
}

/** The layout as an OCI archive (tar), chunk by chunk; `mtime` in seconds stamps every entry. */
export async function* ociArchive(
  store: ContentStore,
  plan: LayoutPlan,
  mtime = 0,
): AsyncGenerator<Uint8Array> {
  for (const path of ['blobs', 'blobs/sha256']) yield* tarHeader({ type: 'dir', path, mode: 0o755, mtime });
  for (const blob of plan.blobs) {
    yield* tarHeader({
      type: 'file',
      path: `blobs/sha256/${digestHex(blob.digest)}`,
      mode: 0o644,
      size: blob.size,
      mtime,
    });
    let written = 0;
    for await (const chunk of store.readChunks(blob.digest)) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== blob.size) {
      throw new RuntimeError('ERR_DIGEST_MISMATCH', `blob ${blob.digest} changed size while being saved`);
    }
    yield tarPadding(blob.size);
  }
  for (const [path, data] of [
    ['index.json', plan.index],
    ['oci-layout', layoutFile],
  ] as const) {
    yield* tarHeader({ type: 'file', path, mode: 0o644, size: data.length, mtime });
    yield data;
    yield tarPadding(data.length);
  }
  yield tarTrailer;
}
