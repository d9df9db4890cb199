// A container's root file system for a run: an in-memory root or an image overlay, mounts placed
// on top at their container paths, and the preopens the guest receives.

import { RuntimeError } from '../errors.js';
import { MemDir, MemFs } from '../vfs/mem.js';
import { type Overlay, OverlayDir } from '../vfs/overlay.js';
import { ensureDir, splitAbsolute } from '../vfs/paths.js';
import type { DirNode } from '../vfs/types.js';
import type { Preopen } from '../wasi/preview1.js';

export interface MountSpec {
  /** Absolute path inside the container. */
  target: string;
  dir: DirNode;
}

export interface RootfsSpec {
  /** The root to use: an in-memory tree or an overlay of image layers; default: a fresh empty
   * in-memory tree. */
  root?: MemFs | Overlay;
  /** Makes the root read-only once the mount points exist (`--read-only`); mounts keep their own
   * mode. Default false. */
  readOnly?: boolean;
  mounts?: readonly MountSpec[];
  /** Absolute working directory; created if missing. Default "/". */
  workdir?: string;
}

export interface Rootfs {
  fs: MemFs | Overlay;
  preopens: Preopen[];
}

export function buildRootfs(spec: RootfsSpec = {}): Rootfs {
  const fs = spec.root ?? new MemFs();
  // Mount points and the working directory are made even in a read-only root, as docker makes
  // them outside the container.
  const readOnly = fs.readOnly || (spec.readOnly ?? false);
  fs.readOnly = false;
  const preopens: Preopen[] = [{ guestPath: '/', dir: fs.root, containerRoot: true }];
  try {
    placeMounts(fs, spec.mounts ?? []);
    // WASI preview1 has no working directory: wasi-libc starts every program in "/" and sends
    // every path, relative or absolute, through the preopen with the longest matching prefix. A
    // "." preopen would capture absolute paths too, so the working directory is only created.
    if (spec.workdir !== undefined) ensureDir(fs.root, spec.workdir);
  } finally {
    fs.readOnly = readOnly;
  }
  return { fs, preopens };
}

function placeMounts(fs: MemFs | Overlay, mounts: readonly MountSpec[]): void {
  for (const mount of mounts) {
    const names = splitAbsolute(mount.target);
    const name = names.pop();
    if (name === undefined)
      throw new RuntimeError('ERR_INVALID_ARGUMENT', 'cannot mount over the container root "/"');
    const parent = ensureDir(fs.root, `/${names.join('/')}`);
    if (!(parent instanceof MemDir || parent instanceof OverlayDir)) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `cannot mount ${mount.target} inside another mount`);
    }
    parent.mount(name, mount.dir);
  }
}
