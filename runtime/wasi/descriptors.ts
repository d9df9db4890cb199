// The kernel's open descriptions: what a guest fd refers to, with its rights and flags.

import type { DirNode, FileHandle, FileNode } from '../vfs/types.js';
import { Errno, Filetype } from './constants.js';
import { WasiErrno } from './errno.js';
import type { ByteSink, ByteSource } from './stdio.js';

abstract class DescriptorBase {
  rightsBase: bigint;
  rightsInheriting: bigint;
  fdflags: number;

  constructor(rightsBase: bigint, rightsInheriting: bigint, fdflags: number) {
    this.rightsBase = rightsBase;
    this.rightsInheriting = rightsInheriting;
    this.fdflags = fdflags;
  }

  /** Every call that needs a right begins here. */
  require(right: bigint): void {
    if ((this.rightsBase & right) !== right) throw new WasiErrno(Errno.NOTCAPABLE);
  }

  abstract get filetype(): number;
  close(): void {}
}

export class FileDescriptor extends DescriptorBase {
  readonly kind = 'file' as const;
  position = 0;

  constructor(
    readonly node: FileNode,
    readonly handle: FileHandle,
    rightsBase: bigint,
    rightsInheriting: bigint,
    fdflags: number,
  ) {
    super(rightsBase, rightsInheriting, fdflags);
  }

  get filetype(): number {
    return Filetype.REGULAR_FILE;
  }

  override close(): void {
    this.handle.close();
  }
}

export class DirDescriptor extends DescriptorBase {
  readonly kind = 'dir' as const;

  constructor(
    readonly node: DirNode,
    /** The inode number `..` reports in readdir. */
    readonly parentIno: bigint,
    rightsBase: bigint,
    rightsInheriting: bigint,
    /** Set for preopened directories: the name the guest sees in fd_prestat_dir_name. */
    readonly preopenName: string | undefined,
    /** True when the directory is the container root: absolute symlinks resolve against it. */
    readonly containerRoot: boolean,
  ) {
    super(rightsBase, rightsInheriting, 0);
  }

  get filetype(): number {
    return Filetype.DIRECTORY;
  }
}

export class StreamDescriptor extends DescriptorBase {
  readonly kind = 'stream' as const;

  constructor(
    readonly source: ByteSource | undefined,
    readonly sink: ByteSink | undefined,
    rightsBase: bigint,
  ) {
    super(rightsBase, 0n, 0);
  }

  get filetype(): number {
    return Filetype.CHARACTER_DEVICE;
  }
}

export type Descriptor = FileDescriptor | DirDescriptor | StreamDescriptor;

/** The guest's fd numbers; the lowest free number is reused, as POSIX does. */
export class FdTable {
  private readonly slots: Array<Descriptor | undefined> = [];

  get(fd: number): Descriptor {
    const d = this.slots[fd];
    if (!d) throw new WasiErrno(Errno.BADF);
    return d;
  }

  has(fd: number): boolean {
    return this.slots[fd] !== undefined;
  }

  add(descriptor: Descriptor): number {
    let fd = 0;
    while (fd < this.slots.length && this.slots[fd] !== undefined) fd++;
    this.slots[fd] = descriptor;
    return fd;
  }

  set(fd: number, descriptor: Descriptor): void {
    this.slots[fd] = descriptor;
  }

  remove(fd: number): Descriptor {
    const d = this.get(fd);
    this.slots[fd] = undefined;
    return d;
  }

  entries(): Array<[number, Descriptor]> {
    const out: Array<[number, Descriptor]> = [];
    this.slots.forEach((d, fd) => {
      if (d) out.push([fd, d]);
    });
    return out;
  }
}
