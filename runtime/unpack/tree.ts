// Layer trees: the flattened, read-only file tree of a layer chain (layer N applied over layers
// 0..N-1). Every container of an image shares its top tree as the overlay's lower layer.

import { MemDir, MemFile, MemFs, MemSymlink } from '../vfs/mem.js';
import type { VNode } from '../vfs/types.js';

export interface LayerTree {
  /** Read-only: nothing may change a tree once built, every container reads it. */
  readonly fs: MemFs;
  readonly root: MemDir;
  /** The layer digests of the chain, bottom first. */
  readonly chain: readonly string[];
  /**
   * About the memory the top layer added over its lower tree (which it shares): its file bytes
   * plus 256 per entry. What a cache of trees weighs them by.
   */
  readonly bytes: number;
}

/**
 * A writable copy of `source` on a new MemFs: new inodes (hard links kept), same metadata; file
 * data shared chunk by chunk and copied only when written, so the copy costs the node count, not
 * the bytes.
 */
export function cloneTree(source: MemFs, now: () => bigint): MemFs {
  const fs = new MemFs({ now });
  const copies = new Map<VNode, MemFile | MemSymlink>();
  copyMeta(source.root, fs.root);
  const walk = (from: MemDir, to: MemDir) => {
    for (const [name, node] of from.entries) {
      if (node instanceof MemDir && node.fs === source) {
        const dir = new MemDir(fs, node.mode);
        walk(node, dir);
        copyMeta(node, dir);
        to.entries.set(name, dir);
        continue;
      }
      let copy = copies.get(node);
      if (!copy) {
        if (node instanceof MemFile) copy = new MemFile(fs, node.mode, node.data.cloneShared());
        else if (node instanceof MemSymlink) copy = new MemSymlink(fs, node.target);
        else continue; // a foreign node (a mount) is never part of a layer tree
        copyMeta(node, copy);
        copies.set(node, copy);
      }
      copy.nlink++;
      to.entries.set(name, copy);
    }
  };
  walk(source.root, fs.root);
  return fs;
}

function copyMeta(from: MemDir | MemFile | MemSymlink, to: MemDir | MemFile | MemSymlink): void {
  to.mode = from.mode;
  to.uid = from.uid;
  to.gid = from.gid;
  to.atime = from.atime;
  to.mtime = from.mtime;
  to.ctime = from.ctime;
}
