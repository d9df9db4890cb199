// Layer trees cached by chain: each chain (a layer over its parents) is unpacked once and then
// shared by every image and container built on it, until the cache passes its byte budget and
// forgets the chains used least recently (containers keep the trees they run on).

import { LruCache } from '../core/lru.js';
import { type ApplyOptions, applyLayer, type LayerLimits } from './apply.js';
import type { ByteStream } from './source.js';
import type { LayerTree } from './tree.js';

export interface LayerSource {
  digest: string;
  mediaType?: string;
  /** Opens the blob; called only when the chain is not cached yet. */
  open(): ByteStream | Promise<ByteStream>;
}

export interface LayerTreeCacheOptions {
  limits?: Partial<LayerLimits>;
  onWarning?: ApplyOptions['onWarning'];
  /** What the cached trees may weigh together (LayerTree.bytes). Default 1 GiB. */
  maxBytes?: number;
}

export const DEFAULT_LAYER_CACHE_BYTES = 1024 ** 3;

/** One per runtime (never a module-level singleton). */
export class LayerTreeCache {
  /** Keyed by the chain's digests joined; a promise so concurrent builds share the work. */
  private readonly trees: LruCache<string, Promise<LayerTree>>;

  constructor(private readonly options: LayerTreeCacheOptions = {}) {
    this.trees = new LruCache(options.maxBytes ?? DEFAULT_LAYER_CACHE_BYTES);
  }

  /** The tree of the whole chain `layers` (bottom first), unpacking only what is not cached. */
  async chain(layers: readonly LayerSource[]): Promise<LayerTree | undefined> {
    let tree: Promise<LayerTree> | undefined;
    let key = '';
    for (const layer of layers) {
      key = key === '' ? layer.digest : `${key} ${layer.digest}`;
      let next = this.trees.get(key);
      if (!next) {
        const lower = tree;
        next = (async () => {
          const base = lower ? await lower : undefined;
          return applyLayer(base, await layer.open(), {
            digest: layer.digest,
            ...(layer.mediaType !== undefined ? { mediaType: layer.mediaType } : {}),
            ...(this.options.limits ? { limits: this.options.limits } : {}),
            ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}),
          });
        })();
        const cacheKey = key;
        const built = next;
        // Weighed once built; a failed build is not cached: the next attempt retries it.
        next.then(
          (done) => {
            if (this.trees.get(cacheKey) === built) this.trees.weigh(cacheKey, done.bytes);
          },
          () => {
            if (this.trees.get(cacheKey) === built) this.trees.delete(cacheKey);
          },
        );
        this.trees.set(key, next, 0);
      }
      tree = next;
    }
    return tree;
  }

  has(digests: readonly string[]): boolean {
    return this.trees.has(digests.join(' '));
  }

  clear(): void {
    this.trees.clear();
  }
}
