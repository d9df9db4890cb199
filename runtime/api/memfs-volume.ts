// A memfs `Volume` mounted into a container, live: the guest's reads and writes go straight to the
// volume, so the caller sees them at once. The shared fs-shaped mount (vfs/fs-dir.ts) over the
// volume's synchronous methods (typed structurally, so memfs itself is never imported here).

import { mountFsDir, type OpenFlags, type SyncFs } from '../vfs/fs-dir.js';
import type { DirNode } from '../vfs/types.js';

/** The synchronous subset of memfs's `Volume` the mount uses (node:fs has it too). */
export type VolumeLike = SyncFs;

/** memfs's open flags: Linux values, whatever the host system. */
const MEMFS_FLAGS: OpenFlags = { O_RDONLY: 0, O_RDWR: 2, O_NOFOLLOW: 0o400000 };

/** Mounts the directory `path` (default "/") of `volume`. */
export function mountVolume(
  volume: VolumeLike,
  options: { path?: string; readOnly?: boolean } = {},
): DirNode {
  return mountFsDir(volume, options.path ?? '/', { readOnly: !!options.readOnly, flags: MEMFS_FLAGS });
}
