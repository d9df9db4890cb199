// The kernel: every function of wasi_snapshot_preview1 over the container's virtual file system.
// One Preview1 instance per container; it owns the fd table. Errors become errno at one place.

import { type Clock, systemClock } from '../core/clock.js';
import { type Lookup, lookup } from '../vfs/resolve.js';
import type { DirNode, NodeStat, VNode } from '../vfs/types.js';
import {
  Advice,
  Clockid,
  DIR_RIGHTS,
  Errno,
  Eventtype,
  Fdflags,
  FILE_RIGHTS,
  Filetype,
  Fstflags,
  Lookupflags,
  Oflags,
  Rights,
  STDIO_RIGHTS,
  Subclockflags,
  Whence,
} from './constants.js';
import { type Descriptor, DirDescriptor, FdTable, FileDescriptor, StreamDescriptor } from './descriptors.js';
import { toErrno, WasiErrno } from './errno.js';
import { sleepMs } from './sleep.js';
import { type ByteSink, type ByteSource, discardSink, emptySource } from './stdio.js';

export interface Preopen {
  /** The name the guest sees, e.g. "/" or "/data". */
  guestPath: string;
  dir: DirNode;
  /** The directory is the container root: absolute symlinks resolve against it. */
  containerRoot?: boolean;
}

/** What a container's kernel is given. Everything not given is denied: no files, no environment,
 * empty stdin, discarded output. */
export interface KernelOptions {
  /** argv, including argv[0]. */
  args?: readonly string[];
  /** The exact environment, as KEY=VALUE strings or a record. */
  env?: readonly string[] | Readonly<Record<string, string>>;
  preopens?: readonly Preopen[];
  stdin?: ByteSource;
  stdout?: ByteSink;
  stderr?: ByteSink;
  clock?: Clock;
  /** Fills the buffer with random bytes. Default: crypto.getRandomValues. */
  random?: (buffer: Uint8Array) => void;
}

/** Thrown through the guest by proc_exit and proc_raise to end it; never escapes the engine. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const MAX_U64 = (1n << 64n) - 1n;
const MAX_FILE_SIZE = 2 ** 53;

function filetypeOf(stat: NodeStat): number {
  switch (stat.kind) {
    case 'file':
      return Filetype.REGULAR_FILE;
    case 'dir':
      return Filetype.DIRECTORY;
    default:
      return Filetype.SYMBOLIC_LINK;
  }
}

function fail(errno: number): never {
  throw new WasiErrno(errno);
}

function encodeStrings(values: readonly string[]): Uint8Array[] {
  return values.map((v) => encoder.encode(`${v}\0`));
}

export class Preview1 {
  private readonly fds = new FdTable();
  private readonly args: Uint8Array[];
  private readonly env: Uint8Array[];
  private readonly clock: Clock;
  private readonly random: (buffer: Uint8Array) => void;
  private memory: WebAssembly.Memory | undefined;
  private viewCache: DataView | undefined;
  private bytesCache: Uint8Array | undefined;

  constructor(options: KernelOptions = {}) {
    this.args = encodeStrings(options.args ?? []);
    const env = options.env ?? [];
    this.env = encodeStrings(Array.isArray(env) ? env : Object.entries(env).map(([k, v]) => `${k}=${v}`));
    this.clock = options.clock ?? systemClock;
    this.random =
      options.random ??
      ((buffer) => {
        for (let at = 0; at < buffer.length; at += 65536)
          crypto.getRandomValues(buffer.subarray(at, at + 65536) as Uint8Array<ArrayBuffer>);
      });
    this.fds.add(new StreamDescriptor(options.stdin ?? emptySource, undefined, STDIO_RIGHTS));
    this.fds.add(new StreamDescriptor(undefined, options.stdout ?? discardSink, STDIO_RIGHTS));
    this.fds.add(new StreamDescriptor(undefined, options.stderr ?? discardSink, STDIO_RIGHTS));
    for (const p of options.preopens ?? []) {
      this.fds.add(
        new DirDescriptor(
          p.dir,
          p.dir.stat().ino,
          DIR_RIGHTS,
          DIR_RIGHTS | FILE_RIGHTS,
          p.guestPath,
          !!p.containerRoot,
        ),
      );
    }
  }

  /** Binds the guest's exported memory; call before running the guest. */
  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** Flushes buffered output of the standard streams. */
  flush(): void {
    for (const [, d] of this.fds.entries()) if (d instanceof StreamDescriptor) d.sink?.flush?.();
  }

  /** Closes every descriptor (end of the guest). */
  closeAll(): void {
    this.flush();
    for (const [fd] of this.fds.entries()) this.fds.remove(fd).close();
  }

  /** The import object for `wasi_snapshot_preview1`. */
  imports(): Record<string, (...args: never[]) => number | undefined> {
    const out: Record<string, (...args: never[]) => number | undefined> = {};
    for (const name of PREVIEW1_FUNCTIONS) {
      const method = (this as unknown as Record<string, (...a: unknown[]) => number>)[name]!.bind(this);
      out[name] = (...a: unknown[]): number => {
        try {
          return method(...a) ?? Errno.SUCCESS;
        } catch (error) {
          return toErrno(error);
        }
      };
    }
    return out;
  }

  // ---- guest memory -------------------------------------------------------------------------

  private get view(): DataView {
    const buffer = this.memory?.buffer;
    if (!buffer) throw new Error('kernel used before attach(memory)');
    if (this.viewCache?.buffer !== buffer) {
      this.viewCache = new DataView(buffer);
      this.bytesCache = new Uint8Array(buffer);
    }
    return this.viewCache;
  }

  private get bytes(): Uint8Array {
    void this.view;
    return this.bytesCache!;
  }

  private slice(ptr: number, len: number): Uint8Array {
    const bytes = this.bytes;
    const start = ptr >>> 0;
    const end = start + (len >>> 0);
    if (end > bytes.length) fail(Errno.FAULT);
    return bytes.subarray(start, end);
  }

  private string(ptr: number, len: number): string {
    try {
      return decoder.decode(this.slice(ptr, len));
    } catch (error) {
      if (error instanceof TypeError) fail(Errno.ILSEQ);
      throw error;
    }
  }

  private iovecs(ptr: number, count: number): Uint8Array[] {
    const view = this.view;
    const out: Uint8Array[] = [];
    let at = ptr >>> 0;
    for (let i = 0; i < count >>> 0; i++, at += 8) {
      out.push(this.slice(view.getUint32(at, true), view.getUint32(at + 4, true)));
    }
    return out;
  }

  private writeStat(ptr: number, stat: NodeStat): void {
    const view = this.view;
    const at = ptr >>> 0;
    view.setBigUint64(at, stat.dev, true);
    view.setBigUint64(at + 8, stat.ino, true);
    view.setUint8(at + 16, filetypeOf(stat));
    view.setBigUint64(at + 24, stat.nlink, true);
    view.setBigUint64(at + 32, stat.size, true);
    view.setBigUint64(at + 40, stat.atime, true);
    view.setBigUint64(at + 48, stat.mtime, true);
    view.setBigUint64(at + 56, stat.ctime, true);
  }

  // ---- descriptors --------------------------------------------------------------------------

  private file(fd: number, right: bigint): FileDescriptor {
    const d = this.fds.get(fd);
    if (d instanceof DirDescriptor) fail(Errno.ISDIR);
    if (!(d instanceof FileDescriptor)) fail(Errno.SPIPE);
    d.require(right);
    return d;
  }

  private dir(fd: number, right: bigint): DirDescriptor {
    const d = this.fds.get(fd);
    if (!(d instanceof DirDescriptor)) fail(Errno.NOTDIR);
    d.require(right);
    return d;
  }

  private lookupAt(dir: DirDescriptor, path: string, follow: boolean): Lookup {
    return lookup(dir.node, path, dir.containerRoot ? { follow, root: dir.node } : { follow });
  }

  private existing(dir: DirDescriptor, path: string, follow: boolean): VNode {
    const found = this.lookupAt(dir, path, follow);
    if (!found.node) fail(Errno.NOENT);
    if (found.mustBeDir && found.node.kind !== 'dir') fail(Errno.NOTDIR);
    return found.node;
  }

  // ---- args, environment, clocks, random --------------------------------------------------

  args_get(argv: number, buf: number): void {
    this.putStrings(this.args, argv, buf);
  }

  args_sizes_get(countPtr: number, sizePtr: number): void {
    this.putSizes(this.args, countPtr, sizePtr);
  }

  environ_get(environ: number, buf: number): void {
    this.putStrings(this.env, environ, buf);
  }

  environ_sizes_get(countPtr: number, sizePtr: number): void {
    this.putSizes(this.env, countPtr, sizePtr);
  }

  private putStrings(values: Uint8Array[], ptrs: number, buf: number): void {
    const view = this.view;
    let at = buf >>> 0;
    let p = ptrs >>> 0;
    for (const v of values) {
      view.setUint32(p, at, true);
      this.slice(at, v.length).set(v);
      at += v.length;
      p += 4;
    }
  }

  private putSizes(values: Uint8Array[], countPtr: number, sizePtr: number): void {
    const view = this.view;
    view.setUint32(countPtr >>> 0, values.length, true);
    view.setUint32(
      sizePtr >>> 0,
      values.reduce((n, v) => n + v.length, 0),
      true,
    );
  }

  private now(id: number): bigint {
    switch (id) {
      case Clockid.REALTIME:
        return this.clock.realtime();
      case Clockid.MONOTONIC:
      case Clockid.PROCESS_CPUTIME_ID:
      case Clockid.THREAD_CPUTIME_ID:
        return this.clock.monotonic();
      default:
        fail(Errno.INVAL);
    }
  }

  clock_res_get(id: number, resultPtr: number): void {
    this.now(id);
    this.view.setBigUint64(resultPtr >>> 0, this.clock.resolution, true);
  }

  clock_time_get(id: number, _precision: bigint, resultPtr: number): void {
    this.view.setBigUint64(resultPtr >>> 0, this.now(id), true);
  }

  random_get(buf: number, len: number): void {
    this.random(this.slice(buf, len));
  }

  // ---- fd_* ---------------------------------------------------------------------------------

  fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number): void {
    const d = this.file(fd, Rights.FD_ADVISE);
    void d;
    if (advice < Advice.NORMAL || advice > Advice.NOREUSE) fail(Errno.INVAL);
  }

  fd_allocate(fd: number, offset: bigint, len: bigint): void {
    const d = this.file(fd, Rights.FD_ALLOCATE);
    const end = offset + len;
    if (end > BigInt(MAX_FILE_SIZE)) fail(Errno.FBIG);
    if (Number(end) > d.handle.size()) d.handle.truncate(Number(end));
  }

  fd_close(fd: number): void {
    this.fds.remove(fd).close();
  }

  fd_datasync(fd: number): void {
    this.file(fd, Rights.FD_DATASYNC).handle.sync();
  }

  fd_sync(fd: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_SYNC);
    if (d instanceof FileDescriptor) d.handle.sync();
  }

  fd_fdstat_get(fd: number, ptr: number): void {
    const d = this.fds.get(fd);
    const view = this.view;
    const at = ptr >>> 0;
    view.setUint8(at, d.filetype);
    view.setUint16(at + 2, d.fdflags, true);
    view.setBigUint64(at + 8, d.rightsBase, true);
    view.setBigUint64(at + 16, d.rightsInheriting, true);
  }

  fd_fdstat_set_flags(fd: number, flags: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_FDSTAT_SET_FLAGS);
    if (flags & ~0x1f) fail(Errno.INVAL);
    if (d instanceof DirDescriptor) {
      if (flags & Fdflags.APPEND) fail(Errno.ISDIR);
      return;
    }
    d.fdflags = flags;
  }

  fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint): void {
    const d = this.fds.get(fd);
    if ((base & ~d.rightsBase) !== 0n || (inheriting & ~d.rightsInheriting) !== 0n) fail(Errno.NOTCAPABLE);
    d.rightsBase = base;
    d.rightsInheriting = inheriting;
  }

  fd_filestat_get(fd: number, ptr: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_FILESTAT_GET);
    if (d instanceof StreamDescriptor) {
      this.view.setBigUint64(ptr >>> 0, 0n, true);
      this.writeStat(ptr, {
        kind: 'file',
        dev: 0n,
        ino: 0n,
        nlink: 1n,
        size: 0n,
        mode: 0o620,
        uid: 0,
        gid: 0,
        atime: 0n,
        mtime: 0n,
        ctime: 0n,
      });
      this.view.setUint8((ptr >>> 0) + 16, Filetype.CHARACTER_DEVICE);
      return;
    }
    this.writeStat(ptr, d.node.stat());
  }

  fd_filestat_set_size(fd: number, size: bigint): void {
    const d = this.file(fd, Rights.FD_FILESTAT_SET_SIZE);
    if (size > BigInt(MAX_FILE_SIZE)) fail(Errno.FBIG);
    d.handle.truncate(Number(size));
  }

  fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, flags: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_FILESTAT_SET_TIMES);
    if (d instanceof StreamDescriptor) fail(Errno.BADF);
    this.setTimes(d.node, atim, mtim, flags);
  }

  private setTimes(node: VNode, atim: bigint, mtim: bigint, flags: number): void {
    if (
      (flags & Fstflags.ATIM && flags & Fstflags.ATIM_NOW) ||
      (flags & Fstflags.MTIM && flags & Fstflags.MTIM_NOW)
    ) {
      fail(Errno.INVAL);
    }
    if (flags & ~0xf) fail(Errno.INVAL);
    const now = this.clock.realtime();
    const atime = flags & Fstflags.ATIM_NOW ? now : flags & Fstflags.ATIM ? atim : undefined;
    const mtime = flags & Fstflags.MTIM_NOW ? now : flags & Fstflags.MTIM ? mtim : undefined;
    node.setTimes(atime, mtime);
  }

  fd_pread(fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number): void {
    const d = this.fds.get(fd);
    if (d instanceof StreamDescriptor) fail(Errno.SPIPE);
    if (d instanceof DirDescriptor) fail(Errno.ISDIR);
    d.require(Rights.FD_READ | Rights.FD_SEEK);
    let pos = Number(offset);
    let total = 0;
    for (const buf of this.iovecs(iovs, iovsLen)) {
      const n = d.handle.read(buf, pos);
      pos += n;
      total += n;
      if (n < buf.length) break;
    }
    this.view.setUint32(nreadPtr >>> 0, total, true);
  }

  fd_pwrite(fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number): void {
    const d = this.fds.get(fd);
    if (d instanceof StreamDescriptor) fail(Errno.SPIPE);
    if (d instanceof DirDescriptor) fail(Errno.ISDIR);
    d.require(Rights.FD_WRITE | Rights.FD_SEEK);
    // Like Linux: pwrite on an O_APPEND descriptor appends, whatever the offset.
    let pos = d.fdflags & Fdflags.APPEND ? d.handle.size() : Number(offset);
    let total = 0;
    for (const buf of this.iovecs(iovs, iovsLen)) {
      if (pos + buf.length > MAX_FILE_SIZE) fail(Errno.FBIG);
      total += d.handle.write(buf, pos);
      pos += buf.length;
    }
    this.view.setUint32(nwrittenPtr >>> 0, total, true);
  }

  fd_prestat_get(fd: number, ptr: number): void {
    const d = this.fds.get(fd);
    if (!(d instanceof DirDescriptor) || d.preopenName === undefined) fail(Errno.BADF);
    const view = this.view;
    view.setUint8(ptr >>> 0, 0);
    view.setUint32((ptr >>> 0) + 4, encoder.encode(d.preopenName).length, true);
  }

  fd_prestat_dir_name(fd: number, path: number, len: number): void {
    const d = this.fds.get(fd);
    if (!(d instanceof DirDescriptor) || d.preopenName === undefined) fail(Errno.BADF);
    const name = encoder.encode(d.preopenName);
    if (len >>> 0 < name.length) fail(Errno.NAMETOOLONG);
    this.slice(path, name.length).set(name);
  }

  fd_read(fd: number, iovs: number, iovsLen: number, nreadPtr: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_READ);
    let total = 0;
    if (d instanceof FileDescriptor) {
      for (const buf of this.iovecs(iovs, iovsLen)) {
        const n = d.handle.read(buf, d.position);
        d.position += n;
        total += n;
        if (n < buf.length) break;
      }
    } else if (d instanceof StreamDescriptor) {
      if (!d.source) fail(Errno.BADF);
      this.flush();
      const bufs = this.iovecs(iovs, iovsLen);
      const want = bufs.reduce((n, b) => n + b.length, 0);
      const data = want > 0 ? d.source.read(want) : new Uint8Array(0);
      let at = 0;
      for (const buf of bufs) {
        if (at >= data.length) break;
        const part = data.subarray(at, at + buf.length);
        buf.set(part);
        at += part.length;
      }
      total = data.length;
    } else {
      fail(Errno.ISDIR);
    }
    this.view.setUint32(nreadPtr >>> 0, total, true);
  }

  fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, bufusedPtr: number): void {
    const d = this.dir(fd, Rights.FD_READDIR);
    const entries: Array<[string, bigint, number]> = [
      ['.', d.node.stat().ino, Filetype.DIRECTORY],
      ['..', d.parentIno, Filetype.DIRECTORY],
    ];
    for (const [name, node] of d.node.list()) {
      const stat = node.stat();
      entries.push([name, stat.ino, filetypeOf(stat)]);
    }
    const out = this.slice(buf, bufLen);
    const header = new Uint8Array(24);
    const headerView = new DataView(header.buffer);
    let used = 0;
    for (let i = Number(cookie); i < entries.length && used < out.length; i++) {
      const [name, ino, type] = entries[i]!;
      const nameBytes = encoder.encode(name);
      headerView.setBigUint64(0, BigInt(i + 1), true);
      headerView.setBigUint64(8, ino, true);
      headerView.setUint32(16, nameBytes.length, true);
      headerView.setUint8(20, type);
      const h = header.subarray(0, Math.min(24, out.length - used));
      out.set(h, used);
      used += h.length;
      const n = nameBytes.subarray(0, Math.min(nameBytes.length, out.length - used));
      out.set(n, used);
      used += n.length;
    }
    this.view.setUint32(bufusedPtr >>> 0, used, true);
  }

  fd_renumber(from: number, to: number): void {
    const d = this.fds.get(from);
    this.fds.get(to);
    if (from === to) return;
    this.fds.remove(to).close();
    this.fds.remove(from);
    this.fds.set(to, d);
  }

  fd_seek(fd: number, offset: bigint, whence: number, resultPtr: number): void {
    const d = this.fds.get(fd);
    if (d instanceof StreamDescriptor) fail(Errno.SPIPE);
    if (d instanceof DirDescriptor) fail(Errno.BADF);
    d.require(whence === Whence.CUR && offset === 0n ? Rights.FD_TELL : Rights.FD_SEEK);
    let base: number;
    switch (whence) {
      case Whence.SET:
        base = 0;
        break;
      case Whence.CUR:
        base = d.position;
        break;
      case Whence.END:
        base = d.handle.size();
        break;
      default:
        fail(Errno.INVAL);
    }
    const next = BigInt(base) + offset;
    if (next < 0n) fail(Errno.INVAL);
    if (next > BigInt(MAX_FILE_SIZE)) fail(Errno.OVERFLOW);
    d.position = Number(next);
    this.view.setBigUint64(resultPtr >>> 0, next, true);
  }

  fd_tell(fd: number, resultPtr: number): void {
    const d = this.fds.get(fd);
    if (d instanceof StreamDescriptor) fail(Errno.SPIPE);
    if (d instanceof DirDescriptor) fail(Errno.BADF);
    d.require(Rights.FD_TELL);
    this.view.setBigUint64(resultPtr >>> 0, BigInt(d.position), true);
  }

  fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): void {
    const d = this.fds.get(fd);
    d.require(Rights.FD_WRITE);
    const view = this.view;
    const bytes = this.bytes;
    let total = 0;
    let at = iovs >>> 0;
    const count = iovsLen >>> 0;
    if (d instanceof FileDescriptor) {
      const handle = d.handle;
      if (d.fdflags & Fdflags.APPEND) d.position = handle.size();
      for (let i = 0; i < count; i++, at += 8) {
        const ptr = view.getUint32(at, true);
        const len = view.getUint32(at + 4, true);
        if (len === 0) continue;
        if (ptr + len > bytes.length) fail(Errno.FAULT);
        if (d.position + len > MAX_FILE_SIZE) fail(Errno.FBIG);
        handle.write(bytes.subarray(ptr, ptr + len), d.position);
        d.position += len;
        total += len;
      }
    } else if (d instanceof StreamDescriptor) {
      if (!d.sink) fail(Errno.BADF);
      // One write call is one chunk for the sink, whatever its iovec count: a line printf'd as
      // text plus newline reaches a reader (a pipe, a worker's host) in one piece.
      const parts: Uint8Array[] = [];
      for (let i = 0; i < count; i++, at += 8) {
        const ptr = view.getUint32(at, true);
        const len = view.getUint32(at + 4, true);
        if (len === 0) continue;
        if (ptr + len > bytes.length) fail(Errno.FAULT);
        parts.push(bytes.subarray(ptr, ptr + len));
        total += len;
      }
      if (parts.length === 1) {
        d.sink.write(parts[0]!.slice());
      } else if (parts.length > 1) {
        const chunk = new Uint8Array(total);
        let offset = 0;
        for (const part of parts) {
          chunk.set(part, offset);
          offset += part.length;
        }
        d.sink.write(chunk);
      }
    } else {
      fail(Errno.ISDIR);
    }
    view.setUint32(nwrittenPtr >>> 0, total, true);
  }

  // ---- path_* -------------------------------------------------------------------------------

  path_create_directory(fd: number, pathPtr: number, pathLen: number): void {
    const d = this.dir(fd, Rights.PATH_CREATE_DIRECTORY);
    const found = this.lookupAt(d, this.string(pathPtr, pathLen), false);
    if (found.node) fail(Errno.EXIST);
    found.parent.mkdir(found.name, 0o755);
  }

  path_filestat_get(fd: number, flags: number, pathPtr: number, pathLen: number, ptr: number): void {
    const d = this.dir(fd, Rights.PATH_FILESTAT_GET);
    const node = this.existing(d, this.string(pathPtr, pathLen), !!(flags & Lookupflags.SYMLINK_FOLLOW));
    this.writeStat(ptr, node.stat());
  }

  path_filestat_set_times(
    fd: number,
    flags: number,
    pathPtr: number,
    pathLen: number,
    atim: bigint,
    mtim: bigint,
    fstFlags: number,
  ): void {
    const d = this.dir(fd, Rights.PATH_FILESTAT_SET_TIMES);
    const node = this.existing(d, this.string(pathPtr, pathLen), !!(flags & Lookupflags.SYMLINK_FOLLOW));
    this.setTimes(node, atim, mtim, fstFlags);
  }

  path_link(
    oldFd: number,
    oldFlags: number,
    oldPathPtr: number,
    oldPathLen: number,
    newFd: number,
    newPathPtr: number,
    newPathLen: number,
  ): void {
    const from = this.dir(oldFd, Rights.PATH_LINK_SOURCE);
    const to = this.dir(newFd, Rights.PATH_LINK_TARGET);
    const source = this.lookupAt(
      from,
      this.string(oldPathPtr, oldPathLen),
      !!(oldFlags & Lookupflags.SYMLINK_FOLLOW),
    );
    if (!source.node) fail(Errno.NOENT);
    if (source.mustBeDir && source.node.kind !== 'dir') fail(Errno.NOTDIR);
    if (source.node.kind === 'dir') fail(Errno.PERM);
    const target = this.lookupAt(to, this.string(newPathPtr, newPathLen), false);
    if (target.node) fail(Errno.EXIST);
    if (target.mustBeDir) fail(Errno.NOENT);
    target.parent.link(target.name, source.node);
  }

  path_open(
    fd: number,
    dirflags: number,
    pathPtr: number,
    pathLen: number,
    oflags: number,
    rightsBase: bigint,
    rightsInheriting: bigint,
    fdflags: number,
    resultPtr: number,
  ): void {
    const d = this.dir(fd, Rights.PATH_OPEN);
    if (oflags & Oflags.CREAT) d.require(Rights.PATH_CREATE_FILE);
    if (oflags & Oflags.TRUNC) d.require(Rights.PATH_FILESTAT_SET_SIZE);
    const path = this.string(pathPtr, pathLen);
    const found = this.lookupAt(d, path, !!(dirflags & Lookupflags.SYMLINK_FOLLOW));
    let node = found.node;
    let created = false;
    if (!node) {
      if (!(oflags & Oflags.CREAT)) fail(Errno.NOENT);
      if (oflags & Oflags.DIRECTORY || found.mustBeDir) fail(Errno.ISDIR);
      node = found.parent.createFile(found.name, 0o644);
      created = true;
    } else if (oflags & Oflags.CREAT && oflags & Oflags.EXCL) {
      fail(Errno.EXIST);
    }
    if (node.kind === 'symlink') fail(Errno.LOOP);
    const wantsWrite =
      (rightsBase & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n;
    if (node.kind === 'dir') {
      if (oflags & Oflags.TRUNC) fail(Errno.ISDIR);
      if (rightsBase & Rights.FD_WRITE) fail(Errno.ISDIR);
      const stat = node.stat();
      const parentIno = found.name === '.' ? stat.ino : found.parent.stat().ino;
      const base = rightsBase & d.rightsInheriting & DIR_RIGHTS;
      const inheriting = rightsInheriting & d.rightsInheriting;
      this.view.setUint32(
        resultPtr >>> 0,
        this.fds.add(new DirDescriptor(node, parentIno, base, inheriting, undefined, false)),
        true,
      );
      return;
    }
    if (oflags & Oflags.DIRECTORY || found.mustBeDir) fail(Errno.NOTDIR);
    if (!created && node.readOnly && (wantsWrite || oflags & Oflags.TRUNC)) fail(Errno.ROFS);
    const handle = node.open(wantsWrite || !!(oflags & Oflags.TRUNC));
    if (oflags & Oflags.TRUNC) handle.truncate(0);
    const base = rightsBase & d.rightsInheriting & FILE_RIGHTS;
    const inheriting = rightsInheriting & d.rightsInheriting;
    const desc = new FileDescriptor(node, handle, base, inheriting, fdflags & 0x1f);
    this.view.setUint32(resultPtr >>> 0, this.fds.add(desc), true);
  }

  path_readlink(
    fd: number,
    pathPtr: number,
    pathLen: number,
    buf: number,
    bufLen: number,
    usedPtr: number,
  ): void {
    const d = this.dir(fd, Rights.PATH_READLINK);
    const found = this.lookupAt(d, this.string(pathPtr, pathLen), false);
    if (!found.node) fail(Errno.NOENT);
    if (found.node.kind !== 'symlink') fail(Errno.INVAL);
    const target = encoder.encode(found.node.target);
    const n = Math.min(target.length, bufLen >>> 0);
    this.slice(buf, n).set(target.subarray(0, n));
    this.view.setUint32(usedPtr >>> 0, n, true);
  }

  path_remove_directory(fd: number, pathPtr: number, pathLen: number): void {
    const d = this.dir(fd, Rights.PATH_REMOVE_DIRECTORY);
    const found = this.lookupAt(d, this.string(pathPtr, pathLen), false);
    if (found.name === '.') fail(found.node === d.node ? Errno.INVAL : Errno.NOTEMPTY);
    if (!found.node) fail(Errno.NOENT);
    if (found.node.kind !== 'dir') fail(Errno.NOTDIR);
    found.parent.rmdir(found.name);
  }

  path_rename(
    oldFd: number,
    oldPathPtr: number,
    oldPathLen: number,
    newFd: number,
    newPathPtr: number,
    newPathLen: number,
  ): void {
    const from = this.dir(oldFd, Rights.PATH_RENAME_SOURCE);
    const to = this.dir(newFd, Rights.PATH_RENAME_TARGET);
    const source = this.lookupAt(from, this.string(oldPathPtr, oldPathLen), false);
    const target = this.lookupAt(to, this.string(newPathPtr, newPathLen), false);
    if (!source.node) fail(Errno.NOENT);
    if (source.name === '.' || target.name === '.') fail(Errno.BUSY);
    const moving = source.node;
    if (moving.kind !== 'dir' && (source.mustBeDir || target.mustBeDir)) fail(Errno.NOTDIR);
    const existing = target.node;
    if (existing === moving) return;
    if (existing) {
      if (moving.kind === 'dir' && existing.kind !== 'dir') fail(Errno.NOTDIR);
      if (moving.kind !== 'dir' && existing.kind === 'dir') fail(Errno.ISDIR);
      if (existing.kind === 'dir' && existing.list().length > 0) fail(Errno.NOTEMPTY);
    }
    if (moving.kind === 'dir' && this.contains(moving, target.parent)) fail(Errno.INVAL);
    source.parent.rename(source.name, target.parent, target.name);
  }

  /** True when `dir` is `ancestor` or lies below it (a rename into itself). */
  private contains(ancestor: DirNode, dir: DirNode): boolean {
    if (ancestor === dir) return true;
    for (const [, child] of ancestor.list()) {
      if (child.kind === 'dir' && child.dev === ancestor.dev && this.contains(child, dir)) return true;
    }
    return false;
  }

  path_symlink(
    oldPathPtr: number,
    oldPathLen: number,
    fd: number,
    newPathPtr: number,
    newPathLen: number,
  ): void {
    const d = this.dir(fd, Rights.PATH_SYMLINK);
    const target = this.string(oldPathPtr, oldPathLen);
    const found = this.lookupAt(d, this.string(newPathPtr, newPathLen), false);
    if (found.node) fail(Errno.EXIST);
    if (found.mustBeDir) fail(Errno.NOENT);
    found.parent.symlink(found.name, target);
  }

  path_unlink_file(fd: number, pathPtr: number, pathLen: number): void {
    const d = this.dir(fd, Rights.PATH_UNLINK_FILE);
    const found = this.lookupAt(d, this.string(pathPtr, pathLen), false);
    if (!found.node) fail(Errno.NOENT);
    if (found.node.kind === 'dir') fail(Errno.ISDIR);
    if (found.mustBeDir) fail(Errno.NOTDIR);
    found.parent.unlink(found.name);
  }

  // ---- poll, process, scheduling, sockets --------------------------------------------------

  poll_oneoff(inPtr: number, outPtr: number, count: number, neventsPtr: number): void {
    const n = count >>> 0;
    if (n === 0) fail(Errno.INVAL);
    const view = this.view;
    const inAt = inPtr >>> 0;
    interface Ready {
      userdata: bigint;
      error: number;
      type: number;
      nbytes: bigint;
    }
    const ready: Ready[] = [];
    const clocks: Array<{ userdata: bigint; deadline: bigint }> = [];
    for (let i = 0; i < n; i++) {
      const at = inAt + i * 48;
      const userdata = view.getBigUint64(at, true);
      const type = view.getUint8(at + 8);
      if (type === Eventtype.CLOCK) {
        const id = view.getUint32(at + 16, true);
        const timeout = view.getBigUint64(at + 24, true);
        const flags = view.getUint16(at + 40, true);
        let now: bigint;
        try {
          now = this.now(id);
        } catch (error) {
          ready.push({ userdata, error: toErrno(error), type, nbytes: 0n });
          continue;
        }
        const deadline = flags & Subclockflags.ABSTIME ? timeout : now + timeout;
        clocks.push({ userdata, deadline: deadline > MAX_U64 ? MAX_U64 : deadline });
        if (id === Clockid.REALTIME) {
          // Keep every deadline on the monotonic scale.
          clocks[clocks.length - 1]!.deadline = this.clock.monotonic() + (deadline - now);
        }
      } else if (type === Eventtype.FD_READ || type === Eventtype.FD_WRITE) {
        const fd = view.getUint32(at + 16, true);
        ready.push(this.pollFd(userdata, type, fd));
      } else {
        fail(Errno.INVAL);
      }
    }
    if (ready.length === 0 && clocks.length > 0) {
      // biome-ignore lint/complexity/useMathMinMax: bigint values, Math.min does not take them
      const earliest = clocks.reduce((a, b) => (b.deadline < a ? b.deadline : a), clocks[0]!.deadline);
      this.flush();
      const waitNs = earliest - this.clock.monotonic();
      if (waitNs > 0n) sleepMs(Number(waitNs) / 1e6);
      const now = this.clock.monotonic();
      for (const c of clocks) {
        if (c.deadline <= now || c.deadline === earliest) {
          ready.push({ userdata: c.userdata, error: 0, type: Eventtype.CLOCK, nbytes: 0n });
        }
      }
    } else {
      const now = this.clock.monotonic();
      for (const c of clocks) {
        if (c.deadline <= now)
          ready.push({ userdata: c.userdata, error: 0, type: Eventtype.CLOCK, nbytes: 0n });
      }
    }
    const outAt = outPtr >>> 0;
    ready.forEach((e, i) => {
      const at = outAt + i * 32;
      this.slice(at, 32).fill(0);
      view.setBigUint64(at, e.userdata, true);
      view.setUint16(at + 8, e.error, true);
      view.setUint8(at + 10, e.type);
      view.setBigUint64(at + 16, e.nbytes, true);
    });
    view.setUint32(neventsPtr >>> 0, ready.length, true);
  }

  private pollFd(userdata: bigint, type: number, fd: number) {
    let d: Descriptor;
    try {
      d = this.fds.get(fd);
      d.require(Rights.POLL_FD_READWRITE);
    } catch (error) {
      return { userdata, error: toErrno(error), type, nbytes: 0n };
    }
    if (d instanceof DirDescriptor) return { userdata, error: Errno.BADF, type, nbytes: 0n };
    if (d instanceof FileDescriptor && type === Eventtype.FD_READ) {
      return { userdata, error: 0, type, nbytes: BigInt(Math.max(0, d.handle.size() - d.position)) };
    }
    if (d instanceof StreamDescriptor) {
      if (type === Eventtype.FD_READ && !d.source) return { userdata, error: Errno.BADF, type, nbytes: 0n };
      if (type === Eventtype.FD_WRITE && !d.sink) return { userdata, error: Errno.BADF, type, nbytes: 0n };
    }
    // Streams are treated as always ready: reads block until data or end of input.
    return { userdata, error: 0, type, nbytes: 0n };
  }

  proc_exit(code: number): never {
    throw new ProcExit(code >>> 0);
  }

  proc_raise(signal: number): void {
    if (signal === 0) return;
    if (signal < 0 || signal > 64) fail(Errno.INVAL);
    // The default action of the signals a guest can raise is to terminate it, as docker reports.
    throw new ProcExit(128 + signal);
  }

  sched_yield(): void {}

  sock_accept(fd: number, _flags: number, _resultPtr: number): void {
    this.notSocket(fd);
  }

  sock_recv(fd: number, _ri: number, _riLen: number, _flags: number, _nread: number, _roflags: number): void {
    this.notSocket(fd);
  }

  sock_send(fd: number, _si: number, _siLen: number, _flags: number, _nwritten: number): void {
    this.notSocket(fd);
  }

  sock_shutdown(fd: number, _how: number): void {
    this.notSocket(fd);
  }

  /** wasmbox grants no sockets: a valid fd is never one. */
  private notSocket(fd: number): never {
    this.fds.get(fd);
    return fail(Errno.NOTSOCK);
  }
}

export const PREVIEW1_FUNCTIONS = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'random_get',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
] as const;
