// From a pulled image to what a container starts with: its copy-on-write root over the image's
// shared layer trees, and the program bytes named by the command's argv[0].

import type { ContentStore } from '../content/store.js';
import { RuntimeError } from '../errors.js';
import type { LoadedImage } from '../image/images.js';
import type { LayerTreeCache } from '../unpack/cache.js';
import { Overlay } from '../vfs/overlay.js';
import { lookup } from '../vfs/resolve.js';
import { type DirNode, FsError } from '../vfs/types.js';
import { readWholeFile } from '../vfs/whole-file.js';
import type { ImageRunConfig } from './spec.js';

/**
 * A fresh overlay for one container: the image's layers unpacked once per chain into `cache`
 * (shared with every other container of the image), one writable upper layer of its own.
 */
export async function imageOverlay(
  store: ContentStore,
  image: LoadedImage,
  cache: LayerTreeCache,
): Promise<Overlay> {
  if (image.wasm) return new Overlay(); // raw wasm packagings carry no file system
  const tree = await cache.chain(
    image.layers.map((layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      open: () => store.readChunks(layer.digest),
    })),
  );
  return new Overlay({ lowers: tree ? [tree.root] : [] });
}

/** Reads the program file at absolute `path` inside a container root, following symlinks. */
export function readProgramFile(root: DirNode, path: string, image: string): Uint8Array {
  if (!path.startsWith('/')) {
    throw new RuntimeError(
      'ERR_NOT_FOUND',
      `${image}: the command "${path}" is not an absolute path in the image`,
    );
  }
  const relative = path.replace(/^\/+/, '') || '.';
  let node: ReturnType<typeof lookup>['node'];
  try {
    node = lookup(root, relative, { follow: true, root }).node;
  } catch (error) {
    if (error instanceof FsError) {
      throw new RuntimeError('ERR_NOT_FOUND', `${image}: ${path}: ${error.errno}`);
    }
    throw error;
  }
  if (!node) throw new RuntimeError('ERR_NOT_FOUND', `${image}: ${path}: no such file in the image`);
  if (node.kind !== 'file')
    throw new RuntimeError('ERR_CANNOT_START', `${image}: ${path} is not a regular file`);
  return readWholeFile(node);
}

/** The image's run config; artifacts with no command of their own run their single module. */
export function imageRunConfig(image: LoadedImage): ImageRunConfig {
  const config = image.config?.config ?? {};
  if (image.wasm && !config.Entrypoint?.length && !config.Cmd?.length) {
    return { ...config, Entrypoint: ['/module.wasm'] };
  }
  return config;
}

/** The program to run: the raw wasm layer of an artifact, or the file argv[0] names in the root. */
export async function imageProgramBytes(
  store: ContentStore,
  image: LoadedImage,
  root: DirNode,
  argv0: string,
): Promise<Uint8Array> {
  return image.wasm ? store.read(image.wasm.digest) : readProgramFile(root, argv0, image.record.name);
}

/** The image's layer blobs bottom first, for a realm (a vm worker) that builds its own root. */
export async function imageLayerBlobs(
  store: ContentStore,
  image: LoadedImage,
): Promise<Array<{ digest: string; mediaType: string; bytes: Uint8Array }>> {
  if (image.wasm) return [];
  return Promise.all(
    image.layers.map(async (layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      bytes: await store.read(layer.digest),
    })),
  );
}
