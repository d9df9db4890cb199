// Reopening a kept container: its root rebuilt from the image's layer trees (shared, cached) with
// its saved writable layer on top, for diff and cp after the guest has exited.

import type { ContentStore } from '../content/store.js';
import { type HasherFactory, nobleSha256 } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import type { LayerTreeCache } from '../unpack/cache.js';
import { Overlay } from '../vfs/overlay.js';
import { loadUpper } from './import-upper.js';
import { type ContainerRecord, noSuchContainer } from './record.js';
import { type ContainerStore, findContainer } from './store.js';

export interface OpenOptions {
  /** Allow changes to the reopened root; default false (every change fails with EROFS). */
  writable?: boolean;
  createHasher?: HasherFactory;
}

export interface OpenedContainer {
  record: ContainerRecord;
  overlay: Overlay;
}

/**
 * The container `nameOrId` as it was when it exited. ERR_NOT_FOUND when there is no such
 * container or an image layer it needs has left the content store; ERR_DIGEST_MISMATCH when its
 * saved layer was altered (nothing of it is used then).
 */
export async function openContainer(
  containers: ContainerStore,
  content: ContentStore,
  layers: LayerTreeCache,
  nameOrId: string,
  options: OpenOptions = {},
): Promise<OpenedContainer> {
  const record = await findContainer(containers, nameOrId);
  if (!record) throw noSuchContainer(nameOrId);
  for (const layer of record.layers) {
    if (!(await content.info(layer.digest))) {
      throw new RuntimeError(
        'ERR_NOT_FOUND',
        `container ${record.name}: image layer ${layer.digest} of ${record.image.name} is no longer in the content store`,
      );
    }
  }
  const tree = await layers.chain(
    record.layers.map((l) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      open: () => content.readChunks(l.digest),
    })),
  );
  const upper = await readVerified(containers, record, options.createHasher ?? nobleSha256);
  const overlay = new Overlay({ lowers: tree ? [tree.root] : [] });
  await loadUpper(overlay, upper, record.upper.digest);
  overlay.readOnly = !options.writable;
  return { record, overlay };
}

/** The saved upper tar, whole and checked against the record before any of it is used. */
async function readVerified(
  containers: ContainerStore,
  record: ContainerRecord,
  createHasher: HasherFactory,
): Promise<Uint8Array[]> {
  const hasher = createHasher();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of containers.readUpper(record.id)) {
    size += chunk.length;
    if (size > record.upper.size) break;
    hasher.update(chunk);
    chunks.push(chunk);
  }
  const digest = size === record.upper.size ? hasher.digest() : undefined;
  if (digest !== record.upper.digest) {
    throw new RuntimeError(
      'ERR_DIGEST_MISMATCH',
      `container ${record.name}: its saved layer ${record.upper.digest} was altered ` +
        (digest === undefined
          ? `(size differs from ${record.upper.size} bytes)`
          : `(content has digest ${digest})`),
    );
  }
  return chunks;
}
