// A directory of a synchronous, node:fs-shaped file system mounted into a container, live: host
// directories (node:fs, platform/node/host-dir.ts) and memfs volumes (api/memfs-volume.ts) share
// it. It walks with lstat and opens with O_NOFOLLOW, so symlinks are resolved by our resolver in
// the container's namespace, never by the file system underneath.

import { allocDev } from './dev.js';
import {
  type DirNode,
  type FileHandle,
  type FileNode,
  type FsErrno,
  FsError,
  type NodeStat,
  type SymlinkNode,
  type VNode,
} from './types.js';

/** What lstat gives (with `{ bigint: true }`: node:fs and memfs both take it). */
export interface FsStats {
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  ino: number | bigint;
  nlink: number | bigint;
  size: number | bigint;
  mode: number | bigint;
  uid: number | bigint;
  gid: number | bigint;
  atimeMs: number | bigint;
  mtimeMs: number | bigint;
  ctimeMs: number | bigint;
  atimeNs?: bigint;
  mtimeNs?: bigint;
  ctimeNs?: bigint;
}

/** The synchronous subset of node:fs (and of memfs's `Volume`) a mount uses. */
export interface SyncFs {
  lstatSync(path: string, options: { bigint: true }): FsStats;
  statSync(path: string): FsStats;
  readdirSync(path: string): unknown[];
  openSync(path: string, flags: string | number, mode?: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number | bigint };
  ftruncateSync(fd: number, length: number): void;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  readlinkSync(path: string): unknown;
  mkdirSync(path: string, options: { mode: number }): unknown;
  symlinkSync(target: string, path: string): void;
  linkSync(existing: string, path: string): void;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
  renameSync(from: string, to: string): void;
  lutimesSync(path: string, atime: number, mtime: number): void;
}

/** The open flags of that file system (their values differ between systems). */
export interface OpenFlags {
  O_RDONLY: number;
  O_RDWR: number;
  O_NOFOLLOW: number;
}

export interface FsDirOptions {
  readOnly?: boolean;
  flags: OpenFlags;
}

const ERRNOS: ReadonlySet<string> = new Set<FsErrno>([
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

/** Runs a file-system call and turns its error into an FsError. */
function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && ERRNOS.has(code))
      throw new FsError(code as FsErrno, (error as Error).message);
    if (code === 'EOPNOTSUPP') throw new FsError('ENOTSUP');
    throw new FsError('EIO', (error as Error).message);
  }
}

interface Mount {
  readonly fs: SyncFs;
  readonly flags: OpenFlags;
  readonly dev: bigint;
  readonly readOnly: boolean;
}

const nanoseconds = (ns: bigint | undefined, ms: number | bigint): bigint =>
  ns ?? BigInt(Math.round(Number(ms) * 1e6));

/** Mounts the directory at `path` (absolute) of `fs`. */
export function mountFsDir(fs: SyncFs, path: string, options: FsDirOptions): DirNode {
  if (!path.startsWith('/')) throw new FsError('EINVAL', `mount path must be absolute: ${path}`);
  const st = call(() => fs.statSync(path));
  if (!st.isDirectory()) throw new FsError('ENOTDIR', `${path} is not a directory`);
  const root = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return new FsDir({ fs, flags: options.flags, dev: allocDev(), readOnly: !!options.readOnly }, root);
}

abstract class FsNode {
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
    const st = call(() => this.mount.fs.lstatSync(this.path, { bigint: true }));
    return {
      kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      dev: this.mount.dev,
      ino: BigInt(st.ino),
      nlink: BigInt(st.nlink),
      size: BigInt(st.size),
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      atime: nanoseconds(st.atimeNs, st.atimeMs),
      mtime: nanoseconds(st.mtimeNs, st.mtimeMs),
      ctime: nanoseconds(st.ctimeNs, st.ctimeMs),
    };
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.writable();
    const st = this.stat();
    const seconds = (t: bigint) => Number(t) / 1e9;
    call(() => this.mount.fs.lutimesSync(this.path, seconds(atime ?? st.atime), seconds(mtime ?? st.mtime)));
  }
}

class FsFile extends FsNode implements FileNode {
  readonly kind = 'file' as const;

  open(writable: boolean): FileHandle {
    if (writable) this.writable();
    const { fs, flags } = this.mount;
    const fd = call(() =>
      fs.openSync(this.path, (writable ? flags.O_RDWR : flags.O_RDONLY) | flags.O_NOFOLLOW),
    );
    return {
      read: (dst, pos) => call(() => fs.readSync(fd, dst, 0, dst.length, pos)),
      write: (src, pos) => {
        this.writable();
        return call(() => fs.writeSync(fd, src, 0, src.length, pos));
      },
      size: () => Number(call(() => fs.fstatSync(fd)).size),
      truncate: (size) => {
        this.writable();
        call(() => fs.ftruncateSync(fd, size));
      },
      sync: () => call(() => fs.fsyncSync(fd)),
      close: () => call(() => fs.closeSync(fd)),
    };
  }
}

class FsSymlink extends FsNode implements SymlinkNode {
  readonly kind = 'symlink' as const;
  readonly target: string;

  constructor(mount: Mount, path: string) {
    super(mount, path);
    this.target = String(call(() => mount.fs.readlinkSync(path)));
  }
}

class FsDir extends FsNode implements DirNode {
  readonly kind = 'dir' as const;

  child(name: string): string {
    if (name.includes('/') || name === '.' || name === '..' || name.length === 0) throw new FsError('EINVAL');
    return this.path === '/' ? `/${name}` : `${this.path}/${name}`;
  }

  get(name: string): VNode | undefined {
    const path = this.child(name);
    let st: FsStats;
    try {
      st = this.mount.fs.lstatSync(path, { bigint: true });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      return call(() => {
        throw error;
      });
    }
    if (st.isDirectory()) return new FsDir(this.mount, path);
    if (st.isSymbolicLink()) return new FsSymlink(this.mount, path);
    // Devices, fifos and sockets show as files; opening one reads what the system gives.
    return new FsFile(this.mount, path);
  }

  list(): Array<[string, VNode]> {
    const names = call(() => this.mount.fs.readdirSync(this.path)).map(String);
    const out: Array<[string, VNode]> = [];
    for (const name of names.sort()) {
      const node = this.get(name);
      if (node) out.push([name, node]);
    }
    return out;
  }

  createFile(name: string, mode: number): FileNode {
    this.writable();
    const path = this.child(name);
    const fs = this.mount.fs;
    call(() => fs.closeSync(fs.openSync(path, 'wx', mode)));
    return new FsFile(this.mount, path);
  }

  mkdir(name: string, mode: number): DirNode {
    this.writable();
    const path = this.child(name);
    call(() => this.mount.fs.mkdirSync(path, { mode }));
    return new FsDir(this.mount, path);
  }

  symlink(name: string, target: string): SymlinkNode {
    this.writable();
    const path = this.child(name);
    call(() => this.mount.fs.symlinkSync(target, path));
    return new FsSymlink(this.mount, path);
  }

  link(name: string, node: VNode): void {
    this.writable();
    if (!(node instanceof FsNode) || node.dev !== this.dev) throw new FsError('EXDEV');
    call(() => this.mount.fs.linkSync(node.path, this.child(name)));
  }

  unlink(name: string): void {
    this.writable();
    call(() => this.mount.fs.unlinkSync(this.child(name)));
  }

  rmdir(name: string): void {
    this.writable();
    call(() => this.mount.fs.rmdirSync(this.child(name)));
  }

  rename(name: string, toDir: DirNode, toName: string): void {
    this.writable();
    if (!(toDir instanceof FsDir) || toDir.dev !== this.dev) throw new FsError('EXDEV');
    call(() => this.mount.fs.renameSync(this.child(name), toDir.child(toName)));
  }
}
