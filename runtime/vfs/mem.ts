// The in-memory inode tree: files with chunked data, directories, symlinks, hard links.
// One MemFs is one device: inode numbers and the read-only flag belong to it.

import { systemClock } from '../core/clock.js';
import { allocDev } from './dev.js';
import { FileData } from './file-data.js';
import {
  type DirNode,
  type FileHandle,
  type FileNode,
  FsError,
  type NodeStat,
  type SymlinkNode,
  type VNode,
} from './types.js';

export interface MemFsOptions {
  /** Clock for timestamps, in nanoseconds since the epoch. Default: the wall clock. */
  now?: () => bigint;
  readOnly?: boolean;
}

export class MemFs {
  readonly dev: bigint = allocDev();
  readonly now: () => bigint;
  readOnly: boolean;
  readonly root: MemDir;
  private nextIno = 1n;

  constructor(options: MemFsOptions = {}) {
    this.now = options.now ?? systemClock.realtime;
    this.readOnly = false;
    this.root = new MemDir(this, 0o755);
    this.readOnly = options.readOnly ?? false;
  }

  allocIno(): bigint {
    return this.nextIno++;
  }
}

abstract class MemNode {
  readonly fs: MemFs;
  readonly ino: bigint;
  mode: number;
  uid = 0;
  gid = 0;
  nlink = 0;
  atime: bigint;
  mtime: bigint;
  ctime: bigint;

  constructor(fs: MemFs, mode: number) {
    this.fs = fs;
    this.ino = fs.allocIno();
    this.mode = mode;
    const now = fs.now();
    this.atime = now;
    this.mtime = now;
    this.ctime = now;
  }

  get dev(): bigint {
    return this.fs.dev;
  }

  get readOnly(): boolean {
    return this.fs.readOnly;
  }

  protected baseStat(kind: NodeStat['kind'], size: bigint, nlink: bigint): NodeStat {
    return {
      kind,
      dev: this.fs.dev,
      ino: this.ino,
      nlink,
      size,
      mode: this.mode,
      uid: this.uid,
      gid: this.gid,
      atime: this.atime,
      mtime: this.mtime,
      ctime: this.ctime,
    };
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.writable();
    if (atime !== undefined) this.atime = atime;
    if (mtime !== undefined) this.mtime = mtime;
    this.ctime = this.fs.now();
  }

  protected writable(): void {
    if (this.fs.readOnly) throw new FsError('EROFS');
  }

  touchModified(): void {
    const now = this.fs.now();
    this.mtime = now;
    this.ctime = now;
  }
}

export class MemFile extends MemNode implements FileNode {
  readonly kind = 'file' as const;
  data: FileData;

  constructor(fs: MemFs, mode: number, data: FileData = new FileData()) {
    super(fs, mode);
    this.data = data;
  }

  stat(): NodeStat {
    return this.baseStat('file', BigInt(this.data.size), BigInt(this.nlink));
  }

  open(writable: boolean): FileHandle {
    if (writable) this.writable();
    return new MemFileHandle(this);
  }
}

class MemFileHandle implements FileHandle {
  constructor(private readonly file: MemFile) {}

  read(dst: Uint8Array, pos: number): number {
    return this.file.data.read(dst, pos);
  }

  write(src: Uint8Array, pos: number): number {
    const file = this.file;
    if (file.fs.readOnly) throw new FsError('EROFS');
    const n = file.data.write(src, pos);
    file.touchModified();
    return n;
  }

  size(): number {
    return this.file.data.size;
  }

  truncate(size: number): void {
    if (this.file.fs.readOnly) throw new FsError('EROFS');
    this.file.data.truncate(size);
    this.file.touchModified();
  }

  sync(): void {}

  close(): void {}
}

export class MemSymlink extends MemNode implements SymlinkNode {
  readonly kind = 'symlink' as const;
  readonly target: string;

  constructor(fs: MemFs, target: string) {
    super(fs, 0o777);
    this.target = target;
  }

  stat(): NodeStat {
    return this.baseStat('symlink', BigInt(new TextEncoder().encode(this.target).length), BigInt(this.nlink));
  }
}

export class MemDir extends MemNode implements DirNode {
  readonly kind = 'dir' as const;
  /** Entries may hold nodes of other devices: that is how mounts are attached. */
  readonly entries = new Map<string, VNode>();

  constructor(fs: MemFs, mode: number) {
    super(fs, mode);
    this.nlink = 1;
  }

  stat(): NodeStat {
    let subdirs = 0;
    for (const node of this.entries.values()) if (node.kind === 'dir') subdirs++;
    return this.baseStat('dir', 4096n, BigInt(2 + subdirs));
  }

  get(name: string): VNode | undefined {
    return this.entries.get(name);
  }

  list(): Array<[string, VNode]> {
    return [...this.entries];
  }

  createFile(name: string, mode: number): MemFile {
    this.checkNew(name);
    const file = new MemFile(this.fs, mode);
    this.attach(name, file);
    return file;
  }

  mkdir(name: string, mode: number): MemDir {
    this.checkNew(name);
    const dir = new MemDir(this.fs, mode);
    this.attach(name, dir);
    return dir;
  }

  symlink(name: string, target: string): MemSymlink {
    this.checkNew(name);
    const link = new MemSymlink(this.fs, target);
    this.attach(name, link);
    return link;
  }

  link(name: string, node: VNode): void {
    this.checkNew(name);
    if (!(node instanceof MemNode) || node.fs !== this.fs) throw new FsError('EXDEV');
    if (node.kind === 'dir') throw new FsError('EPERM', 'hard link to a directory');
    this.attach(name, node);
  }

  /** Attaches a node of any device (a mount) without touching link counts. */
  mount(name: string, node: VNode): void {
    this.entries.set(name, node);
  }

  unlink(name: string): void {
    this.writable();
    const node = this.entries.get(name);
    if (!node) throw new FsError('ENOENT');
    if (node.kind === 'dir') throw new FsError('EISDIR');
    this.detach(name, node);
  }

  rmdir(name: string): void {
    this.writable();
    const node = this.entries.get(name);
    if (!node) throw new FsError('ENOENT');
    if (node.kind !== 'dir') throw new FsError('ENOTDIR');
    if (!(node instanceof MemDir) || node.fs !== this.fs) throw new FsError('EBUSY', 'mount point');
    if (node.entries.size > 0) throw new FsError('ENOTEMPTY');
    this.detach(name, node);
  }

  rename(name: string, toDir: DirNode, toName: string): void {
    this.writable();
    if (!(toDir instanceof MemDir) || toDir.fs !== this.fs) throw new FsError('EXDEV');
    const node = this.entries.get(name);
    if (!node) throw new FsError('ENOENT');
    if (!(node instanceof MemNode) || node.fs !== this.fs) throw new FsError('EBUSY', 'mount point');
    if (toDir === this && toName === name) return;
    const replaced = toDir.entries.get(toName);
    if (replaced) toDir.detach(toName, replaced);
    this.entries.delete(name);
    toDir.entries.set(toName, node);
    node.ctime = this.fs.now();
    this.touchModified();
    if (toDir !== this) toDir.touchModified();
  }

  private checkNew(name: string): void {
    this.writable();
    if (this.entries.has(name)) throw new FsError('EEXIST');
  }

  private attach(name: string, node: MemNode & VNode): void {
    this.entries.set(name, node);
    node.nlink++;
    node.ctime = this.fs.now();
    this.touchModified();
  }

  private detach(name: string, node: VNode): void {
    this.entries.delete(name);
    if (node instanceof MemNode) {
      node.nlink--;
      node.ctime = this.fs.now();
    }
    this.touchModified();
  }
}
