// An image root from layer blobs, in whichever realm runs the guest: the blobs are unpacked once
// per chain into that realm's LayerTreeCache, and each container gets its own overlay on top.

import { LayerTreeCache } from '../unpack/cache.js';
import { Overlay } from '../vfs/overlay.js';
import type { LayerBlob } from './types.js';

export function newLayerCache(): LayerTreeCache {
  return new LayerTreeCache();
}

export async function overlayFromLayers(
  layers: readonly LayerBlob[],
  cache: LayerTreeCache,
): Promise<Overlay> {
  const tree = await cache.chain(
    layers.map((layer) => ({
      digest: layer.digest,
      ...(layer.mediaType !== undefined ? { mediaType: layer.mediaType } : {}),
      open: () => [layer.bytes],
    })),
  );
  return new Overlay({ lowers: tree ? [tree.root] : [] });
}
