// A host directory mounted into a container (`-v HOST:GUEST[:ro]`): VFS nodes over node:fs.
// Our resolver walks the tree with lstat and opens with O_NOFOLLOW, so host symlinks are
// resolved inside the container's namespace, never by the host.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { allocDev } from '../../vfs/dev.js';
import {
  type DirNode,
  type FileHandle,
  type FileNode,
  type FsErrno,
  FsError,
  type NodeStat,
  type SymlinkNode,
  type VNode,
} from '../../vfs/types.js';

const KNOWN: ReadonlySet<string> = new Set<FsErrno>([
  'EACCES',
  'EBADF',
  'EBUSY',
  'EEXIST',
  'EFBIG',
  'EINVAL',
  'EIO',
  'EISDIR',
  'ELOOP',
  'EMLINK',
  'ENAMETOOLONG',
  'ENOENT',
  'ENOSPC',
  'ENOTDIR',
  'ENOTEMPTY',
  'ENOTSUP',
  'EPERM',
  'EROFS',
  'EXDEV',
]);

/** Runs a node:fs call and turns its error into an FsError. */
function host<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && KNOWN.has(code)) throw new FsError(code as FsErrno, (error as Error).message);
    if (code === 'EOPNOTSUPP') throw new FsError('ENOTSUP');
    throw new FsError('EIO', (error as Error).message);
  }
}

interface Mount {
  readonly dev: bigint;
  readonly readOnly: boolean;
}

/** Mounts `hostPath` (which must be a directory) as a directory node. */
export function mountHostDir(hostPath: string, options: { readOnly?: boolean } = {}): DirNode {
  const st = host(() => fs.statSync(hostPath));
  if (!st.isDirectory()) throw new FsError('ENOTDIR', `${hostPath} is not a directory`);
  return new HostDir({ dev: allocDev(), readOnly: !!options.readOnly }, hostPath);
}

abstract class HostNode {
  constructor(
    protected readonly mount: Mount,
    readonly path: string,
  ) {}

  get dev(): bigint {
    return this.mount.dev;
  }

  get readOnly(): boolean {
    return this.mount.readOnly;
  }

  protected writable(): void {
    if (this.mount.readOnly) throw new FsError('EROFS');
  }

  stat(): NodeStat {
    const st = host(() => fs.lstatSync(this.path, { bigint: true }));
    return {
      kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      dev: this.mount.dev,
      ino: st.ino,
      nlink: st.nlink,
      size: st.size,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      atime: st.atimeNs,
      mtime: st.mtimeNs,
      ctime: st.ctimeNs,
    };
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.writable();
    const st = this.stat();
    const seconds = (ns: bigint) => Number(ns) / 1e9;
    host(() => fs.lutimesSync(this.path, seconds(atime ?? st.atime), seconds(mtime ?? st.mtime)));
  }
}

class HostFile extends HostNode implements FileNode {
  readonly kind = 'file' as const;

  open(writable: boolean): FileHandle {
    if (writable) this.writable();
    const flags = (writable ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_NOFOLLOW;
    const fd = host(() => fs.openSync(this.path, flags));
    return {
      read: (dst, pos) => host(() => fs.readSync(fd, dst, 0, dst.length, pos)),
      write: (src, pos) => {
        this.writable();
        return host(() => fs.writeSync(fd, src, 0, src.length, pos));
      },
      size: () => Number(host(() => fs.fstatSync(fd)).size),
      truncate: (size) => {
        this.writable();
        host(() => fs.ftruncateSync(fd, size));
      },
      sync: () => host(() => fs.fsyncSync(fd)),
      close: () => host(() => fs.closeSync(fd)),
    };
  }
}

class HostSymlink extends HostNode implements SymlinkNode {
  readonly kind = 'symlink' as const;
  readonly target: string;

  constructor(mount: Mount, path: string) {
    super(mount, path);
    this.target = host(() => fs.readlinkSync(path));
  }
}

class HostDir extends HostNode implements DirNode {
  readonly kind = 'dir' as const;

  private child(name: string): string {
    if (name.includes('/') || name === '.' || name === '..' || name.length === 0) throw new FsError('EINVAL');
    return join(this.path, name);
  }

  private nodeAt(path: string, st: fs.Stats): VNode {
    if (st.isDirectory()) return new HostDir(this.mount, path);
    if (st.isSymbolicLink()) return new HostSymlink(this.mount, path);
    // Devices, fifos and sockets show as files; opening one reads what the host gives.
    return new HostFile(this.mount, path);
  }

  get(name: string): VNode | undefined {
    const path = this.child(name);
    const st = host(() => fs.lstatSync(path, { throwIfNoEntry: false }));
    return st ? this.nodeAt(path, st) : undefined;
  }

  list(): Array<[string, VNode]> {
    const out: Array<[string, VNode]> = [];
    for (const name of host(() => fs.readdirSync(this.path)).sort()) {
      const node = this.get(name);
      if (node) out.push([name, node]);
    }
    return out;
  }

  createFile(name: string, mode: number): FileNode {
    this.writable();
    const path = this.child(name);
    host(() => fs.closeSync(fs.openSync(path, 'wx', mode)));
    return new HostFile(this.mount, path);
  }

  mkdir(name: string, mode: number): DirNode {
    this.writable();
    const path = this.child(name);
    host(() => fs.mkdirSync(path, { mode }));
    return new HostDir(this.mount, path);
  }

  symlink(name: string, target: string): SymlinkNode {
    this.writable();
    const path = this.child(name);
    host(() => fs.symlinkSync(target, path));
    return new HostSymlink(this.mount, path);
  }

  link(name: string, node: VNode): void {
    this.writable();
    if (!(node instanceof HostNode) || node.dev !== this.dev) throw new FsError('EXDEV');
    host(() => fs.linkSync(node.path, this.child(name)));
  }

  unlink(name: string): void {
    this.writable();
    host(() => fs.unlinkSync(this.child(name)));
  }

  rmdir(name: string): void {
    this.writable();
    host(() => fs.rmdirSync(this.child(name)));
  }

  rename(name: string, toDir: DirNode, toName: string): void {
    this.writable();
    if (!(toDir instanceof HostDir) || toDir.dev !== this.dev) throw new FsError('EXDEV');
    host(() => fs.renameSync(this.child(name), toDir.child(toName)));
  }
}
