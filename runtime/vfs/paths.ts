// Helpers for host-side (not guest) walks of a tree by absolute container path.

import { lookup } from './resolve.js';
import { type DirNode, FsError } from './types.js';

/** Splits an absolute container path into its names; rejects '..' so callers stay inside. */
export function splitAbsolute(path: string): string[] {
  if (!path.startsWith('/')) throw new FsError('EINVAL', `not an absolute path: ${path}`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new FsError('EINVAL', `'..' in ${path}`);
  return parts;
}

/** Like `mkdir -p`: returns the directory at `path`, creating what is missing. */
export function ensureDir(root: DirNode, path: string, mode = 0o755): DirNode {
  let dir = root;
  for (const name of splitAbsolute(path)) {
    const existing = dir.get(name);
    if (existing?.kind === 'dir') {
      dir = existing;
    } else if (existing?.kind === 'symlink') {
      const target = lookup(dir, name, { follow: true, root });
      if (target.node?.kind !== 'dir') throw new FsError('ENOTDIR', path);
      dir = target.node;
    } else if (existing) {
      throw new FsError('ENOTDIR', path);
    } else {
      dir = dir.mkdir(name, mode);
    }
  }
  return dir;
}
