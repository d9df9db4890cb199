// Docker's A/C/D list of what a container changed: its upper layer compared with the lower trees
// it covers (for `wasmbox diff`).

import { MemDir } from './mem.js';
import type { Overlay } from './overlay.js';
import type { DirNode, VNode } from './types.js';

export interface Change {
  /** A: added, C: changed (a copied-up file or directory, or a replaced one), D: deleted. */
  kind: 'A' | 'C' | 'D';
  /** Absolute path in the container. */
  path: string;
}

/** The changes in `overlay`'s upper layer, sorted by path. Mounts are not part of it. */
export function diff(overlay: Overlay): Change[] {
  const changes: Change[] = [];
  const { upper } = overlay;
  const walk = (dir: MemDir, lowers: DirNode[], prefix: string) => {
    for (const name of hiddenNames(overlay, dir)) {
      if (!dir.get(name)) changes.push({ kind: 'D', path: prefix + name });
    }
    for (const [name, node] of dir.entries) {
      if (!(node.dev === upper.fs.dev)) continue; // a mount attached to the upper tree
      const path = prefix + name;
      const below = lowers.map((d) => d.get(name)).filter((n): n is VNode => n !== undefined);
      changes.push({ kind: below.length > 0 ? 'C' : 'A', path });
      if (node instanceof MemDir) {
        // A replaced (opaque) directory is still compared with what it replaced: its old
        // entries are deletions.
        const lowerDirs = below.filter((n): n is DirNode => n.kind === 'dir');
        const opaque = upper.hides(dir, name);
        if (opaque) {
          for (const lower of lowerDirs) {
            for (const [old] of lower.list()) {
              if (!node.get(old)) changes.push({ kind: 'D', path: `${path}/${old}` });
            }
          }
        }
        walk(node, lowerDirs, `${path}/`);
      }
    }
  };
  walk(upper.fs.root, [...overlay.lowers], '/');
  const unique = new Map(changes.map((c) => [c.path, c]));
  return [...unique.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function hiddenNames(overlay: Overlay, dir: MemDir): Iterable<string> {
  return overlay.upper.whiteouts.get(dir) ?? [];
}
