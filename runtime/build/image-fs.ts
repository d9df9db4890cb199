// The file tree of the image being built (base layers plus each new layer, applied with the same
// code that unpacks pulled images), so COPY can tell an existing directory and the build can
// read the entrypoint program to choose the platform.

import type { ContentStore } from '../content/store.js';
import type { Descriptor } from '../core/descriptor.js';
import { applyLayer } from '../unpack/apply.js';
import type { LayerTree } from '../unpack/tree.js';
import { lookup } from '../vfs/resolve.js';
import { type DirNode, FsError, type VNode } from '../vfs/types.js';
import { readWholeFile } from '../vfs/whole-file.js';

export class ImageFs {
  #tree: LayerTree | undefined;

  /** Applies a layer (a tar, compressed or not) over the tree. */
  async apply(
    layer: Uint8Array | AsyncIterable<Uint8Array>,
    digest: string,
    mediaType?: string,
  ): Promise<void> {
    this.#tree = await applyLayer(this.#tree, layer instanceof Uint8Array ? [layer] : layer, {
      digest,
      ...(mediaType ? { mediaType } : {}),
    });
  }

  async applyStored(store: ContentStore, layer: Descriptor): Promise<void> {
    await this.apply(store.readChunks(layer.digest), layer.digest, layer.mediaType);
  }

  /** The node at an absolute path, following symlinks; undefined when missing. */
  node(path: string): VNode | undefined {
    const root = this.#tree?.root;
    const relative = path.replace(/^\/+/, '');
    if (!root) return undefined;
    if (relative === '') return root;
    try {
      return lookup(root, relative, { follow: true, root }).node;
    } catch (error) {
      if (error instanceof FsError) return undefined;
      throw error;
    }
  }

  isDir(path: string): boolean {
    return path.replace(/^\/+/, '') === '' || this.node(path)?.kind === 'dir';
  }

  /** The bytes of a regular file, or undefined when there is none at `path`. */
  readFile(path: string): Uint8Array | undefined {
    const node = this.node(path);
    return node?.kind === 'file' ? readWholeFile(node) : undefined;
  }

  /** Absolute paths of every regular file, sorted. */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: DirNode, prefix: string) => {
      for (const [name, node] of [...dir.list()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (node.kind === 'file') out.push(`${prefix}/${name}`);
        else if (node.kind === 'dir') walk(node, `${prefix}/${name}`);
      }
    };
    if (this.#tree) walk(this.#tree.root, '');
    return out;
  }
}
