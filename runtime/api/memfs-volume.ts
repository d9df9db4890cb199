// A memfs `Volume` mounted into a container, live: the guest's reads and writes go straight to the
// volume, so the caller sees them at once. The one place that knows memfs; it needs only the
// volume's synchronous fs methods (typed structurally), so memfs itself is never imported here.

import { allocDev } from '../vfs/dev.js';
import {
  type DirNode,
  type FileHandle,
  type FileNode,
  type FsErrno,
  FsError,
  type NodeStat,
  type SymlinkNode,
  type VNode,
} from '../vfs/types.js';

interface VolumeStats {
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
}

/** The synchronous subset of memfs's `Volume` (and of node:fs) the mount uses. */
export interface VolumeLike {
  lstatSync(path: string): VolumeStats;
  statSync(path: string): VolumeStats;
  readdirSync(path: string): unknown[];
  openSync(path: string, flags: string, mode?: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number | bigint };
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  readlinkSync(path: string): unknown;
  mkdirSync(path: string, options: { mode: number }): unknown;
  symlinkSync(target: string, path: string): void;
  linkSync(existing: string, path: string): void;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
  renameSync(from: string, to: string): void;
  utimesSync(path: string, atime: number, mtime: number): void;
}

const ERRNOS: ReadonlySet<string> = new Set<FsErrno>([
  'EACCES',
  'EBADF',
  'EBUSY',
  'EEXIST',
  'EINVAL',
  'EISDIR',
  'ELOOP',
  'ENAMETOOLONG',
  'ENOENT',
  'ENOTDIR',
  'ENOTEMPTY',
  'EPERM',
  'EXDEV',
]);

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && ERRNOS.has(code)) throw new FsError(code as FsErrno);
    throw new FsError('EIO', (error as Error).message);
  }
}

interface Mount {
  readonly vol: VolumeLike;
  readonly dev: bigint;
  readonly readOnly: boolean;
}

const ns = (ms: number | bigint): bigint => BigInt(Math.round(Number(ms) * 1e6));

/** Mounts the directory `path` (default "/") of `volume`. */
export function mountVolume(
  volume: VolumeLike,
  options: { path?: string; readOnly?: boolean } = {},
): DirNode {
  const path = options.path ?? '/';
  if (!path.startsWith('/')) throw new FsError('EINVAL', `volume path must be absolute: ${path}`);
  const st = call(() => volume.statSync(path));
  if (!st.isDirectory()) throw new FsError('ENOTDIR', `${path} is not a directory in the volume`);
  return new VolumeDir({ vol: volume, dev: allocDev(), readOnly: !!options.readOnly }, path);
}

abstract class VolumeNode {
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
    const st = call(() => this.mount.vol.lstatSync(this.path));
    return {
      kind: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file',
      dev: this.mount.dev,
      ino: BigInt(st.ino),
      nlink: BigInt(st.nlink),
      size: BigInt(st.size),
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      atime: ns(st.atimeMs),
      mtime: ns(st.mtimeMs),
      ctime: ns(st.ctimeMs),
    };
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.writable();
    const st = this.stat();
    const seconds = (t: bigint) => Number(t) / 1e9;
    call(() => this.mount.vol.utimesSync(this.path, seconds(atime ?? st.atime), seconds(mtime ?? st.mtime)));
  }
}

class VolumeFile extends VolumeNode implements FileNode {
  readonly kind = 'file' as const;

  open(writable: boolean): FileHandle {
    if (writable) this.writable();
    const vol = this.mount.vol;
    const fd = call(() => vol.openSync(this.path, writable ? 'r+' : 'r'));
    return {
      read: (dst, pos) => call(() => vol.readSync(fd, dst, 0, dst.length, pos)),
      write: (src, pos) => {
        this.writable();
        return call(() => vol.writeSync(fd, src, 0, src.length, pos));
      },
      size: () => Number(call(() => vol.fstatSync(fd)).size),
      truncate: (size) => {
        this.writable();
        call(() => vol.ftruncateSync(fd, size));
      },
      sync: () => {},
      close: () => call(() => vol.closeSync(fd)),
    };
  }
}

class VolumeSymlink extends VolumeNode implements SymlinkNode {
  readonly kind = 'symlink' as const;
  readonly target: string;

  constructor(mount: Mount, path: string) {
    super(mount, path);
    this.target = String(call(() => mount.vol.readlinkSync(path)));
  }
}

class VolumeDir extends VolumeNode implements DirNode {
  readonly kind = 'dir' as const;

  child(name: string): string {
    if (name.includes('/') || name === '.' || name === '..' || name.length === 0) throw new FsError('EINVAL');
    return this.path === '/' ? `/${name}` : `${this.path}/${name}`;
  }

  get(name: string): VNode | undefined {
    const path = this.child(name);
    let st: VolumeStats;
    try {
      st = this.mount.vol.lstatSync(path);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
      return call(() => {
        throw error;
      });
    }
    if (st.isDirectory()) return new VolumeDir(this.mount, path);
    if (st.isSymbolicLink()) return new VolumeSymlink(this.mount, path);
    return new VolumeFile(this.mount, path);
  }

  list(): Array<[string, VNode]> {
    const names = call(() => this.mount.vol.readdirSync(this.path)).map(String);
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
    const vol = this.mount.vol;
    call(() => vol.closeSync(vol.openSync(path, 'wx', mode)));
    return new VolumeFile(this.mount, path);
  }

  mkdir(name: string, mode: number): DirNode {
    this.writable();
    const path = this.child(name);
    call(() => this.mount.vol.mkdirSync(path, { mode }));
    return new VolumeDir(this.mount, path);
  }

  symlink(name: string, target: string): SymlinkNode {
    this.writable();
    const path = this.child(name);
    call(() => this.mount.vol.symlinkSync(target, path));
    return new VolumeSymlink(this.mount, path);
  }

  link(name: string, node: VNode): void {
    this.writable();
    if (!(node instanceof VolumeNode) || node.dev !== this.dev) throw new FsError('EXDEV');
    call(() => this.mount.vol.linkSync(node.path, this.child(name)));
  }

  unlink(name: string): void {
    this.writable();
    call(() => this.mount.vol.unlinkSync(this.child(name)));
  }

  rmdir(name: string): void {
    this.writable();
    call(() => this.mount.vol.rmdirSync(this.child(name)));
  }

  rename(name: string, toDir: DirNode, toName: string): void {
    this.writable();
    if (!(toDir instanceof VolumeDir) || toDir.dev !== this.dev) throw new FsError('EXDEV');
    call(() => this.mount.vol.renameSync(this.child(name), toDir.child(toName)));
  }
}
