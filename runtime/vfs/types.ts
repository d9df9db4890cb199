// The virtual file system's contract: inodes (file, directory, symlink) that the kernel walks.
// Implementations: the in-memory tree (mem.ts) and host-directory mounts (platform/node).

import { RuntimeError } from '../errors.js';

/** POSIX-style error names the VFS raises; the kernel maps them to WASI errno in one place. */
export type FsErrno =
  | 'EACCES'
  | 'EBADF'
  | 'EBUSY'
  | 'EEXIST'
  | 'EFBIG'
  | 'EINVAL'
  | 'EIO'
  | 'EISDIR'
  | 'ELOOP'
  | 'EMLINK'
  | 'ENAMETOOLONG'
  | 'ENOENT'
  | 'ENOSPC'
  | 'ENOTCAPABLE'
  | 'ENOTDIR'
  | 'ENOTEMPTY'
  | 'ENOTSUP'
  | 'EPERM'
  | 'EROFS'
  | 'EXDEV';

export class FsError extends RuntimeError {
  readonly errno: FsErrno;

  constructor(errno: FsErrno, detail?: string) {
    super('ERR_HOST_IO', detail ? `${errno}: ${detail}` : errno);
    this.name = 'FsError';
    this.errno = errno;
  }
}

export type NodeKind = 'file' | 'dir' | 'symlink';

/** Times are nanoseconds since the Unix epoch. */
export interface NodeStat {
  kind: NodeKind;
  dev: bigint;
  ino: bigint;
  nlink: bigint;
  size: bigint;
  mode: number;
  uid: number;
  gid: number;
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
}

interface NodeBase {
  /** Identifies the file system the node lives on; links and renames never cross it (EXDEV). */
  readonly dev: bigint;
  /** True when the node lives on a read-only tree or mount: every mutation fails with EROFS. */
  readonly readOnly: boolean;
  stat(): NodeStat;
  /** `undefined` leaves a time unchanged. */
  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void;
}

/** An open file: positional I/O on the file's data, released by `close`. */
export interface FileHandle {
  /** Copies up to `dst.length` bytes from `pos`; returns the count (0 at or past the end). */
  read(dst: Uint8Array, pos: number): number;
  /** Writes all of `src` at `pos`, growing the file as needed; returns the count. */
  write(src: Uint8Array, pos: number): number;
  size(): number;
  truncate(size: number): void;
  sync(): void;
  close(): void;
}

export interface FileNode extends NodeBase {
  readonly kind: 'file';
  open(writable: boolean): FileHandle;
}

export interface SymlinkNode extends NodeBase {
  readonly kind: 'symlink';
  readonly target: string;
}

export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  get(name: string): VNode | undefined;
  /** Entries in a stable order (not including `.` and `..`). */
  list(): Array<[string, VNode]>;
  createFile(name: string, mode: number): FileNode;
  mkdir(name: string, mode: number): DirNode;
  symlink(name: string, target: string): SymlinkNode;
  /** Adds a hard link to `node` (same dev only). */
  link(name: string, node: VNode): void;
  /** Removes a non-directory entry. */
  unlink(name: string): void;
  /** Removes an empty directory entry. */
  rmdir(name: string): void;
  /** Moves entry `name` to `toDir` as `toName`, replacing what is there (the caller checked it may). */
  rename(name: string, toDir: DirNode, toName: string): void;
}

export type VNode = FileNode | DirNode | SymlinkNode;
