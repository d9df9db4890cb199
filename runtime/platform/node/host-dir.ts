// A host directory mounted into a container (`-v HOST:GUEST[:ro]`): the shared fs-shaped mount
// (vfs/fs-dir.ts) over node:fs, which walks with lstat and opens with O_NOFOLLOW, so host
// symlinks are resolved inside the container's namespace, never by the host.

import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { mountFsDir } from '../../vfs/fs-dir.js';
import type { DirNode } from '../../vfs/types.js';

/** Mounts `hostPath` (which must be a directory) as a directory node. */
export function mountHostDir(hostPath: string, options: { readOnly?: boolean } = {}): DirNode {
  return mountFsDir(fs, resolve(hostPath), { readOnly: !!options.readOnly, flags: fs.constants });
}
