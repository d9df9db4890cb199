// wasi:filesystem/types over the container's VFS: the same trees, mounts, path resolution and
// read-only rules the preview1 kernel uses. State lives in #private fields, so only descriptors
// this host made carry any; every mutating call checks the descriptor's permissions first.

import { type Lookup, lookup } from '../../vfs/resolve.js';
import type { DirNode, FileHandle, FileNode, NodeKind, NodeStat, VNode } from '../../vfs/types.js';
import { type ErrorCode, fail, fsCall } from '../failure.js';
import type { ComponentHost, SharedHandle } from '../host.js';
import { type Datetime, fromDatetime, toDatetime } from './clocks.js';
import { IoError } from './io-error.js';
import { InputStream, OutputStream } from './io-streams.js';

export type DescriptorType = 'unknown' | 'directory' | 'symbolic-link' | 'regular-file';

export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}

export interface PathFlags {
  symlinkFollow?: boolean;
}

export interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}

export interface DescriptorStat {
  type: DescriptorType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
  statusChangeTimestamp?: Datetime;
}

export type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };

interface Perms {
  read: boolean;
  write: boolean;
  /** Directories: may create, remove, rename and link entries below. */
  mutate: boolean;
}

const MAX_FILE_SIZE = 2 ** 53;
/** The most one `read` returns, whatever length the guest asks for. */
const MAX_READ = 1 << 24;
const EMPTY = new Uint8Array(0);
const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

function typeOf(kind: NodeKind): DescriptorType {
  return kind === 'file' ? 'regular-file' : kind === 'dir' ? 'directory' : 'symbolic-link';
}

function toStat(stat: NodeStat): DescriptorStat {
  return {
    type: typeOf(stat.kind),
    linkCount: stat.nlink,
    size: stat.size,
    dataAccessTimestamp: toDatetime(stat.atime),
    dataModificationTimestamp: toDatetime(stat.mtime),
    statusChangeTimestamp: toDatetime(stat.ctime),
  };
}

/** True when `dir` is `ancestor` or lies below it (a rename into itself). */
function contains(ancestor: DirNode, dir: DirNode): boolean {
  if (ancestor === dir) return true;
  for (const [, child] of ancestor.list()) {
    if (child.kind === 'dir' && child.dev === ancestor.dev && contains(child, dir)) return true;
  }
  return false;
}

export class DirectoryEntryStream {
  readonly #entries: Array<{ type: DescriptorType; name: string }>;
  #next = 0;

  constructor(entries: Array<{ type: DescriptorType; name: string }>) {
    this.#entries = entries;
  }

  readDirectoryEntry(): { type: DescriptorType; name: string } | undefined {
    return this.#entries[this.#next++];
  }
}

export class Descriptor {
  readonly #host: ComponentHost;
  readonly #node: FileNode | DirNode;
  readonly #perms: Perms;
  readonly #shared: SharedHandle | undefined;
  /** The container-root preopen: absolute symlinks restart at it instead of failing. */
  readonly #containerRoot: boolean;
  #released = false;

  constructor(
    host: ComponentHost,
    node: FileNode | DirNode,
    perms: Perms,
    shared?: SharedHandle,
    containerRoot = false,
  ) {
    this.#host = host;
    this.#node = node;
    this.#perms = perms;
    this.#shared = shared;
    this.#containerRoot = containerRoot;
  }

  // ---- helpers --------------------------------------------------------------------------------

  #file(): FileHandle {
    if (!this.#shared) fail('is-directory');
    return this.#shared.handle;
  }

  #dir(): DirNode {
    if (this.#node.kind !== 'dir') fail('not-directory');
    return this.#node;
  }

  #mutable(): DirNode {
    const dir = this.#dir();
    if (!this.#perms.mutate) fail('not-permitted');
    return dir;
  }

  #lookup(path: string, follow: boolean): Lookup {
    const dir = this.#dir();
    return lookup(dir, path, this.#containerRoot ? { follow, root: dir } : { follow });
  }

  #existing(path: string, follow: boolean): VNode {
    const found = this.#lookup(path, follow);
    if (!found.node) fail('no-entry');
    if (found.mustBeDir && found.node.kind !== 'dir') fail('not-directory');
    return found.node;
  }

  #times(node: VNode, atime: NewTimestamp, mtime: NewTimestamp): void {
    const now = this.#host.clock.realtime();
    const pick = (t: NewTimestamp): bigint | undefined =>
      t.tag === 'now' ? now : t.tag === 'timestamp' ? fromDatetime(t.val) : undefined;
    node.setTimes(pick(atime), pick(mtime));
  }

  static #of(other: Descriptor): Descriptor {
    if (!(other instanceof Descriptor) || !(#node in other)) fail('bad-descriptor');
    return other;
  }

  // ---- streams and positional I/O -------------------------------------------------------------

  readViaStream(offset: bigint): InputStream {
    return fsCall(() => {
      const handle = this.#file();
      if (!this.#perms.read) fail('bad-descriptor');
      const shared = this.#shared!.retain();
      let pos = Number(offset);
      return new InputStream({
        read(max) {
          const want = Math.min(max, handle.size() - pos);
          if (want <= 0) return EMPTY;
          const buf = new Uint8Array(want);
          const n = handle.read(buf, pos);
          pos += n;
          return buf.subarray(0, n);
        },
        close: () => shared.release(),
      });
    });
  }

  writeViaStream(offset: bigint): OutputStream {
    return this.#writer(offset);
  }

  appendViaStream(): OutputStream {
    return this.#writer(undefined);
  }

  /** A stream writing from `offset` on, or at the end of the file each time when undefined. */
  #writer(offset: bigint | undefined): OutputStream {
    return fsCall(() => {
      const handle = this.#file();
      if (!this.#perms.write) fail('bad-descriptor');
      const shared = this.#shared!.retain();
      let pos = offset === undefined ? 0 : Number(offset);
      return new OutputStream({
        write(bytes) {
          if (offset === undefined) pos = handle.size();
          if (pos + bytes.length > MAX_FILE_SIZE) fail('file-too-large');
          handle.write(bytes, pos);
          pos += bytes.length;
        },
        close: () => shared.release(),
      });
    });
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    return fsCall(() => {
      const handle = this.#file();
      if (!this.#perms.read) fail('bad-descriptor');
      const len = length > BigInt(MAX_READ) ? MAX_READ : Number(length);
      const pos = offset > BigInt(MAX_FILE_SIZE) ? MAX_FILE_SIZE : Number(offset);
      const want = Math.max(0, Math.min(len, handle.size() - pos));
      const buf = new Uint8Array(want);
      const n = want > 0 ? handle.read(buf, pos) : 0;
      return [buf.subarray(0, n), n < len];
    });
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    return fsCall(() => {
      const handle = this.#file();
      if (!this.#perms.write) fail('bad-descriptor');
      if (offset + BigInt(buffer.length) > BigInt(MAX_FILE_SIZE)) fail('file-too-large');
      return BigInt(handle.write(buffer, Number(offset)));
    });
  }

  // ---- the descriptor itself ------------------------------------------------------------------

  advise(_offset: bigint, _length: bigint, _advice: string): void {
    // Advice is a hint about access patterns; an in-memory tree has nothing to tune.
    fsCall(() => this.#file());
  }

  syncData(): void {
    fsCall(() => this.#shared?.handle.sync());
  }

  sync(): void {
    fsCall(() => this.#shared?.handle.sync());
  }

  getFlags(): DescriptorFlags {
    return { read: this.#perms.read, write: this.#perms.write, mutateDirectory: this.#perms.mutate };
  }

  getType(): DescriptorType {
    return typeOf(this.#node.kind);
  }

  setSize(size: bigint): void {
    fsCall(() => {
      const handle = this.#file();
      if (!this.#perms.write) fail('not-permitted');
      if (size > BigInt(MAX_FILE_SIZE)) fail('file-too-large');
      handle.truncate(Number(size));
    });
  }

  setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
    fsCall(() => this.#times(this.#node, atime, mtime));
  }

  stat(): DescriptorStat {
    return fsCall(() => toStat(this.#node.stat()));
  }

  isSameObject(other: Descriptor): boolean {
    return Descriptor.#of(other).#node === this.#node;
  }

  metadataHash(): { lower: bigint; upper: bigint } {
    return fsCall(() => {
      const stat = this.#node.stat();
      return { lower: stat.ino, upper: stat.dev };
    });
  }

  readDirectory(): DirectoryEntryStream {
    return fsCall(() => {
      const dir = this.#dir();
      if (!this.#perms.read) fail('not-permitted');
      return new DirectoryEntryStream(dir.list().map(([name, node]) => ({ type: typeOf(node.kind), name })));
    });
  }

  // ---- paths below a directory ----------------------------------------------------------------

  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    return fsCall(() => toStat(this.#existing(path, !!pathFlags.symlinkFollow).stat()));
  }

  metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
    return fsCall(() => {
      const stat = this.#existing(path, !!pathFlags.symlinkFollow).stat();
      return { lower: stat.ino, upper: stat.dev };
    });
  }

  setTimesAt(pathFlags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
    fsCall(() => {
      this.#mutable();
      this.#times(this.#existing(path, !!pathFlags.symlinkFollow), atime, mtime);
    });
  }

  createDirectoryAt(path: string): void {
    fsCall(() => {
      this.#mutable();
      const found = this.#lookup(path, false);
      if (found.node) fail('exist');
      found.parent.mkdir(found.name, 0o755);
    });
  }

  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    return fsCall(() => {
      this.#dir();
      const writes = !!flags.write || !!openFlags.create || !!openFlags.truncate || !!flags.mutateDirectory;
      if (writes && !this.#perms.mutate) fail('not-permitted');
      const found = this.#lookup(path, !!pathFlags.symlinkFollow);
      let node = found.node;
      let created = false;
      if (!node) {
        if (!openFlags.create) fail('no-entry');
        if (openFlags.directory || found.mustBeDir) fail('is-directory');
        node = found.parent.createFile(found.name, 0o644);
        created = true;
      } else if (openFlags.create && openFlags.exclusive) {
        fail('exist');
      }
      if (node.kind === 'symlink') fail('loop');
      if (node.kind === 'dir') {
        if (openFlags.truncate || flags.write) fail('is-directory');
        // Like wasmtime: a directory opened below another gets the parent's permissions.
        return new Descriptor(this.#host, node, { ...this.#perms, write: false });
      }
      if (openFlags.directory || found.mustBeDir) fail('not-directory');
      if (!created && node.readOnly && (flags.write || openFlags.truncate)) fail('read-only');
      const handle = node.open(!!flags.write || !!openFlags.truncate);
      const shared = this.#host.share(handle);
      try {
        if (openFlags.truncate) handle.truncate(0);
      } catch (error) {
        shared.release();
        throw error;
      }
      const perms = { read: !!flags.read, write: !!flags.write, mutate: false };
      return new Descriptor(this.#host, node, perms, shared);
    });
  }

  readlinkAt(path: string): string {
    return fsCall(() => {
      const found = this.#lookup(path, false);
      if (!found.node) fail('no-entry');
      if (found.node.kind !== 'symlink') fail('invalid');
      return found.node.target;
    });
  }

  removeDirectoryAt(path: string): void {
    fsCall(() => {
      const dir = this.#mutable();
      const found = this.#lookup(path, false);
      if (found.name === '.') fail(found.node === dir ? 'invalid' : 'not-empty');
      if (!found.node) fail('no-entry');
      if (found.node.kind !== 'dir') fail('not-directory');
      found.parent.rmdir(found.name);
    });
  }

  unlinkFileAt(path: string): void {
    fsCall(() => {
      this.#mutable();
      const found = this.#lookup(path, false);
      if (!found.node) fail('no-entry');
      if (found.node.kind === 'dir') fail('is-directory');
      if (found.mustBeDir) fail('not-directory');
      found.parent.unlink(found.name);
    });
  }

  symlinkAt(oldPath: string, newPath: string): void {
    fsCall(() => {
      this.#mutable();
      const found = this.#lookup(newPath, false);
      if (found.node) fail('exist');
      if (found.mustBeDir) fail('no-entry');
      found.parent.symlink(found.name, oldPath);
    });
  }

  linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => {
      const to = Descriptor.#of(newDescriptor);
      to.#mutable();
      const source = this.#lookup(oldPath, !!oldPathFlags.symlinkFollow);
      if (!source.node) fail('no-entry');
      if (source.mustBeDir && source.node.kind !== 'dir') fail('not-directory');
      if (source.node.kind === 'dir') fail('not-permitted');
      const target = to.#lookup(newPath, false);
      if (target.node) fail('exist');
      if (target.mustBeDir) fail('no-entry');
      target.parent.link(target.name, source.node);
    });
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => {
      const to = Descriptor.#of(newDescriptor);
      this.#mutable();
      to.#mutable();
      const source = this.#lookup(oldPath, false);
      const target = to.#lookup(newPath, false);
      if (!source.node) fail('no-entry');
      if (source.name === '.' || target.name === '.') fail('busy');
      const moving = source.node;
      if (moving.kind !== 'dir' && (source.mustBeDir || target.mustBeDir)) fail('not-directory');
      const existing = target.node;
      if (existing === moving) return;
      if (existing) {
        if (moving.kind === 'dir' && existing.kind !== 'dir') fail('not-directory');
        if (moving.kind !== 'dir' && existing.kind === 'dir') fail('is-directory');
        if (existing.kind === 'dir' && existing.list().length > 0) fail('not-empty');
      }
      if (moving.kind === 'dir' && contains(moving, target.parent)) fail('invalid');
      source.parent.rename(source.name, target.parent, target.name);
    });
  }

  [dispose](): void {
    if (this.#released) return;
    this.#released = true;
    this.#shared?.release();
  }
}

/** A preopened directory: readable and mutable; read-only trees still refuse every change. */
export function preopenDescriptor(host: ComponentHost, dir: DirNode, containerRoot: boolean): Descriptor {
  return new Descriptor(host, dir, { read: true, write: false, mutate: true }, undefined, containerRoot);
}

export function filesystemTypes(): Record<string, unknown> {
  return {
    Descriptor,
    DirectoryEntryStream,
    filesystemErrorCode: (error: unknown): ErrorCode | undefined => IoError.codeOf(error),
  };
}
