// Which image layer each path of an image's file system came from: the last layer whose tar holds
// an entry for it, with whiteouts (`.wh.NAME`, opaque `.wh..wh..opq`) taking older entries away.

import type { Store } from '../../../runtime/content/store.js';
import type { Descriptor } from '../../../runtime/core/descriptor.js';
import { decompress } from '../../../runtime/unpack/decompress.js';
import { readTar } from '../../../runtime/unpack/tar.js';

/** Absolute path → index of its layer (0 = bottom). */
export type LayerOrigins = Map<string, number>;

const MAX_LAYER_BYTES = 512 * 1024 * 1024;

function normalise(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return `/${parts.join('/')}`;
}

function forget(origins: LayerOrigins, dir: string, self: boolean): void {
  if (self) origins.delete(dir);
  const prefix = dir === '/' ? '/' : `${dir}/`;
  for (const path of [...origins.keys()]) if (path.startsWith(prefix)) origins.delete(path);
}

export async function layerOrigins(store: Store, layers: readonly Descriptor[]): Promise<LayerOrigins> {
  const origins: LayerOrigins = new Map();
  for (const [index, layer] of layers.entries()) {
    const limits = { digest: layer.digest, maxBytes: MAX_LAYER_BYTES };
    const tar = decompress(store.readChunks(layer.digest), { ...limits, mediaType: layer.mediaType });
    for await (const entry of readTar(tar, limits)) {
      const path = normalise(entry.name);
      const slash = path.lastIndexOf('/');
      const dir = path.slice(0, slash) || '/';
      const base = path.slice(slash + 1);
      if (base === '.wh..wh..opq') forget(origins, dir, false);
      else if (base.startsWith('.wh.')) forget(origins, `${dir === '/' ? '' : dir}/${base.slice(4)}`, true);
      else origins.set(path, index);
    }
  }
  return origins;
}
