// The library's mounts: a host directory (Node), an in-memory directory given as a plain object
// tree, a memfs Volume, or any VFS directory; each read-only or read-write. Resolved per isolation
// mode into live directory nodes (shared) or postable host mounts (vm).

import type { MountSpec } from '../container/rootfs.js';
import { RuntimeError } from '../errors.js';
import type { MountHost } from '../isolation/seam.js';
import type { HostMount, IsolationMode } from '../isolation/types.js';
import { MemFs } from '../vfs/mem.js';
import { type DirNode, FsError } from '../vfs/types.js';
import { mountVolume, type VolumeLike } from './memfs-volume.js';
import { checkAbsolute, toBytes } from './options.js';

/** `{ 'a.txt': 'text', dir: { 'b.bin': new Uint8Array([1]) } }`: names → content or subtree. */
export interface ObjectTree {
  [name: string]: string | Uint8Array | ObjectTree;
}

interface MountBase {
  /** Absolute path inside the container. */
  target: string;
  /** Default false. */
  readOnly?: boolean;
}

/** A host directory (Node only); in vm isolation the worker opens it itself. */
export interface HostDirMount extends MountBase {
  hostPath: string;
}

/**
 * A copy of the tree in a fresh in-memory directory: the guest's changes stay in that copy
 * (read them through `container.fs`), the object is never modified.
 */
export interface TreeMount extends MountBase {
  tree: ObjectTree;
}

/** A memfs Volume (or anything with its sync fs methods), live: changes land in the volume. */
export interface VolumeMount extends MountBase {
  volume: VolumeLike;
  /** The volume's directory to mount. Default "/". */
  path?: string;
}

/** Any VFS directory node (for example a `MemFs().root` shared by several containers). */
export interface DirMount extends MountBase {
  dir: DirNode;
}

export type Mount = HostDirMount | TreeMount | VolumeMount | DirMount;

export interface ResolvedMounts {
  /** Live directory nodes placed in the root (shared isolation, components). */
  live: MountSpec[];
  /** Host directories the vm worker mounts itself. */
  host: HostMount[];
}

/** Builds an in-memory directory from an object tree. */
export function treeDir(tree: ObjectTree, readOnly = false): DirNode {
  const fs = new MemFs();
  const fill = (dir: DirNode, node: ObjectTree, at: string): void => {
    for (const [name, value] of Object.entries(node)) {
      if (name === '' || name === '.' || name === '..' || name.includes('/')) {
        throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid name "${name}" in the mount tree at ${at}`);
      }
      if (typeof value === 'string' || value instanceof Uint8Array) {
        const handle = dir.createFile(name, 0o644).open(true);
        handle.write(toBytes(value), 0);
        handle.close();
      } else {
        fill(dir.mkdir(name, 0o755), value, `${at}${name}/`);
      }
    }
  };
  fill(fs.root, tree, '/');
  fs.readOnly = readOnly;
  return fs.root;
}

function describe(mount: Mount): string {
  if ('hostPath' in mount) return `host directory ${mount.hostPath}`;
  if ('tree' in mount) return 'object tree';
  if ('volume' in mount) return 'memfs volume';
  return 'directory';
}

/**
 * Order: validate every target → host directories (shared: opened now, through `mountHost`;
 * vm: described for the worker) → in-memory mounts (shared only: a live tree cannot cross to a
 * worker, and a copy would lose the guest's writes, so vm refuses them).
 */
export function resolveMounts(
  mounts: readonly Mount[],
  mode: IsolationMode,
  mountHost: MountHost | undefined,
): ResolvedMounts {
  const out: ResolvedMounts = { live: [], host: [] };
  for (const mount of mounts) {
    checkAbsolute(mount.target, 'a mount target');
    const readOnly = !!mount.readOnly;
    if ('hostPath' in mount) {
      if (mode === 'vm') {
        out.host.push({ hostPath: mount.hostPath, target: mount.target, readOnly });
        continue;
      }
      if (!mountHost) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `cannot mount ${mount.hostPath}: no host directories on this platform`,
        );
      }
      out.live.push({ target: mount.target, dir: hostDir(mountHost, mount.hostPath, readOnly) });
      continue;
    }
    if (mode === 'vm') {
      throw new RuntimeError(
        'ERR_NOT_SUPPORTED',
        `cannot mount a ${describe(mount)} at ${mount.target} in vm isolation: the guest runs in its own worker; use shared isolation, files, or a host directory`,
      );
    }
    if ('tree' in mount) out.live.push({ target: mount.target, dir: treeDir(mount.tree, readOnly) });
    else if ('volume' in mount) {
      out.live.push({
        target: mount.target,
        dir: volumeDir(mount.volume, mount.path, readOnly),
      });
    } else out.live.push({ target: mount.target, dir: readOnly ? readOnlyDir(mount.dir) : mount.dir });
  }
  return out;
}

function hostDir(mountHost: MountHost, path: string, readOnly: boolean): DirNode {
  try {
    return mountHost(path, { readOnly });
  } catch (error) {
    if (error instanceof FsError) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `cannot mount ${path}: ${error.message}`);
    }
    throw error;
  }
}

function volumeDir(volume: VolumeLike, path: string | undefined, readOnly: boolean): DirNode {
  try {
    return mountVolume(volume, { ...(path ? { path } : {}), readOnly });
  } catch (error) {
    if (error instanceof FsError) {
      throw new RuntimeError(
        'ERR_INVALID_ARGUMENT',
        `cannot mount the volume's ${path ?? '/'}: ${error.message}`,
      );
    }
    throw error;
  }
}

function readOnlyDir(dir: DirNode): DirNode {
  if (dir.readOnly) return dir;
  throw new RuntimeError(
    'ERR_NOT_SUPPORTED',
    'a directory mount is read-only only when its tree is (e.g. new MemFs({ readOnly: true })); use a tree or volume mount',
  );
}
