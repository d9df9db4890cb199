// Where the playground's images come from: the repo's OCI layouts served next to the page
// (`oci:images/NAME`, read over fetch), or any registry reference through the page's fetch,
// direct to a CORS-enabled registry or through a proxy prefix. Everything lands in one MemoryStore.

import { MemoryStore } from '../../../runtime/content/memory.js';
import { type LoadedImage, loadImage } from '../../../runtime/image/images.js';
import { type PullEvent, pullImage } from '../../../runtime/image/pull.js';
import { httpLayoutFiles } from '../../../runtime/platform/browser/layout-files.js';
import { formatReference, parseReference } from '../../../runtime/reference/reference.js';
import { LayerTreeCache } from '../../../runtime/unpack/cache.js';
import { type LayerOrigins, layerOrigins } from './layer-origins.js';

export interface PullRequest {
  /** `oci:images/NAME` for a shipped layout, or a registry reference. */
  reference: string;
  /** Prefixed to every registry URL (a CORS proxy in the cors-anywhere style); '' for none. */
  proxy: string;
  onProgress?: (event: PullEvent) => void;
}

export class ImageLibrary {
  readonly store = new MemoryStore();
  /** Image layer trees, shared by every shared-mode container of an image. */
  readonly layers = new LayerTreeCache();
  readonly #origins = new Map<string, Promise<LayerOrigins>>();
  readonly #fetch: typeof fetch;
  readonly #base: string;

  constructor(options: { fetch: typeof fetch; base: string }) {
    this.#fetch = options.fetch;
    this.#base = options.base;
  }

  /** Pulls (blobs already in the store are skipped) and loads the image. */
  async pull(request: PullRequest): Promise<LoadedImage> {
    const ref = parseReference(request.reference);
    const proxy = request.proxy.trim();
    const pageFetch = this.#fetch;
    const viaProxy: typeof fetch = (input, init) =>
      pageFetch(proxy + (input instanceof Request ? input.url : String(input)), init);
    await pullImage(ref, {
      store: this.store,
      fetch: proxy ? viaProxy : pageFetch,
      files: httpLayoutFiles({ fetch: pageFetch, base: this.#base }),
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    });
    return loadImage(this.store, formatReference(ref));
  }

  /** Which layer each of the image's paths came from (computed once per image). */
  origins(image: LoadedImage): Promise<LayerOrigins> {
    let origins = this.#origins.get(image.record.digest);
    if (!origins) {
      origins = image.wasm ? Promise.resolve(new Map()) : layerOrigins(this.store, image.layers);
      this.#origins.set(image.record.digest, origins);
    }
    return origins;
  }
}
