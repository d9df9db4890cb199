// A container's root file system for a run: an in-memory root (or a given one), mounts placed on
// top at their container paths, and the preopens the guest receives.

import { RuntimeError } from '../errors.js';
import { MemDir, MemFs } from '../vfs/mem.js';
import { ensureDir, splitAbsolute } from '../vfs/paths.js';
import type { DirNode } from '../vfs/types.js';
import type { Preopen } from '../wasi/preview1.js';

export interface MountSpec {
  /** Absolute path inside the container. */
  target: string;
  dir: DirNode;
}

export interface RootfsSpec {
  /** The root to use; default: a fresh empty in-memory tree. */
  root?: MemFs;
  mounts?: readonly MountSpec[];
  /** Absolute working directory; created if missing. Default "/". */
  workdir?: string;
}

export interface Rootfs {
  fs: MemFs;
  preopens: Preopen[];
}

export function buildRootfs(spec: RootfsSpec = {}): Rootfs {
  const fs = spec.root ?? new MemFs();
  for (const mount of spec.mounts ?? []) {
    const names = splitAbsolute(mount.target);
    const name = names.pop();
    if (name === undefined)
      throw new RuntimeError('ERR_INVALID_ARGUMENT', 'cannot mount over the container root "/"');
    const parent = ensureDir(fs.root, `/${names.join('/')}`);
    if (!(parent instanceof MemDir)) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `cannot mount ${mount.target} inside another mount`);
    }
    parent.mount(name, mount.dir);
  }
  const preopens: Preopen[] = [{ guestPath: '/', dir: fs.root, containerRoot: true }];
  const workdir = spec.workdir ?? '/';
  if (splitAbsolute(workdir).length > 0) {
    // wasi-libc starts in "/"; a "." preopen makes relative paths resolve in the working directory.
    preopens.push({ guestPath: '.', dir: ensureDir(fs.root, workdir) });
  }
  return { fs, preopens };
}
