// A container's root: read-only lower trees (the image's layer trees, shared by every container)
// under one writable upper layer of its own. Reads fall through top-down; changes copy up first.

import { allocDev } from './dev.js';
import { FileData } from './file-data.js';
import { type MemDir, MemFile, MemFs, MemSymlink } from './mem.js';
import {
  type DirNode,
  type FileHandle,
  type FileNode,
  FsError,
  type NodeStat,
  type SymlinkNode,
  type VNode,
} from './types.js';

export interface OverlayOptions {
  /** The lower directories, top first. Never changed: each may be shared by many overlays. */
  lowers?: readonly DirNode[];
  /** Every change fails with EROFS (`--read-only`). Can be set later through `readOnly`. */
  readOnly?: boolean;
  /** Clock for the upper layer's timestamps, in nanoseconds. Default: the wall clock. */
  now?: () => bigint;
}

/** The writable layer: an in-memory tree plus, per directory, the lower names it hides. */
export class UpperLayer {
  readonly fs: MemFs;
  /** A name listed here hides the lower layers' entry: deleted when the upper directory has no
   * entry of that name, replaced (an opaque directory, if it is one) when it has. */
  readonly whiteouts = new WeakMap<MemDir, Set<string>>();

  constructor(now?: () => bigint) {
    this.fs = new MemFs(now ? { now } : {});
  }

  hides(dir: MemDir, name: string): boolean {
    return this.whiteouts.get(dir)?.has(name) ?? false;
  }

  hide(dir: MemDir, name: string): void {
    const names = this.whiteouts.get(dir);
    if (names) names.add(name);
    else this.whiteouts.set(dir, new Set([name]));
  }
}

/**
 * One container's root file system. Creating one costs the same whatever the size of the lower
 * trees: directories are merged and copied up lazily, file data is shared chunk by chunk.
 * Everything the container changes lands in `upper`; the lower trees are only ever read.
 */
export class Overlay {
  /** One device: links and renames work across the layers, not onto mounts. */
  readonly dev: bigint = allocDev();
  readonly upper: UpperLayer;
  readonly lowers: readonly DirNode[];
  readonly root: OverlayDir;
  readOnly: boolean;
  /** Overlay node of each lower or upper file and symlink, so hard links stay one node. */
  readonly #nodes = new WeakMap<VNode, OverlayFile | OverlaySymlink>();
  #nextIno = 1n;

  constructor(options: OverlayOptions = {}) {
    this.lowers = [...(options.lowers ?? [])];
    this.upper = new UpperLayer(options.now);
    this.readOnly = options.readOnly ?? false;
    const top = this.lowers[0];
    if (top) copyMeta(top.stat(), this.upper.fs.root);
    this.root = new OverlayDir(this, undefined, '', this.upper.fs.root, this.lowers);
  }

  allocIno(): bigint {
    return this.#nextIno++;
  }

  checkWritable(): void {
    if (this.readOnly) throw new FsError('EROFS');
  }

  /** The overlay node for a lower or upper file or symlink first met at `parent`/`name`. */
  wrap(node: FileNode | SymlinkNode, parent: OverlayDir, name: string): OverlayFile | OverlaySymlink {
    let wrapped = this.#nodes.get(node);
    if (!wrapped) {
      const upper = node.dev === this.upper.fs.dev;
      wrapped =
        node.kind === 'file'
          ? new OverlayFile(
              this,
              upper ? undefined : node,
              upper ? (node as MemFile) : undefined,
              parent,
              name,
            )
          : new OverlaySymlink(
              this,
              upper ? undefined : node,
              upper ? (node as MemSymlink) : undefined,
              parent,
              name,
            );
      this.#nodes.set(node, wrapped);
    }
    return wrapped;
  }

  /** Records that `wrapped` now also lives in the upper layer as `upper`. */
  adopt(upper: MemFile | MemSymlink, wrapped: OverlayFile | OverlaySymlink): void {
    this.#nodes.set(upper, wrapped);
  }
}

abstract class OverlayNode {
  readonly ino: bigint;

  constructor(
    readonly overlay: Overlay,
    /** Where the node was first found: where a copy-up puts it. Undefined for the root. */
    public parent: OverlayDir | undefined,
    public name: string,
  ) {
    this.ino = overlay.allocIno();
  }

  get dev(): bigint {
    return this.overlay.dev;
  }

  get readOnly(): boolean {
    return this.overlay.readOnly;
  }

  protected present(stat: NodeStat): NodeStat {
    return { ...stat, dev: this.overlay.dev, ino: this.ino };
  }

  /** True while the node is still reachable at the place it was found. */
  protected attached(): boolean {
    return this.parent !== undefined && this.parent.get(this.name) === (this as unknown as VNode);
  }
}

export class OverlayFile extends OverlayNode implements FileNode {
  readonly kind = 'file' as const;

  constructor(
    overlay: Overlay,
    readonly lower: FileNode | undefined,
    public upper: MemFile | undefined,
    parent: OverlayDir,
    name: string,
  ) {
    super(overlay, parent, name);
  }

  stat(): NodeStat {
    return this.present((this.upper ?? this.lower!).stat());
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.overlay.checkWritable();
    this.copyUp().setTimes(atime, mtime);
  }

  open(writable: boolean): FileHandle {
    if (writable) {
      this.overlay.checkWritable();
      this.copyUp();
    }
    return new OverlayFileHandle(this);
  }

  /** The upper copy, made on first need: metadata copied, data shared until written. */
  copyUp(): MemFile {
    if (this.upper) return this.upper;
    this.overlay.checkWritable();
    const lower = this.lower!;
    const stat = lower.stat();
    const data = lower instanceof MemFile ? lower.data.cloneShared() : readAll(lower);
    const file = new MemFile(this.overlay.upper.fs, stat.mode, data);
    copyMeta(stat, file);
    this.upper = file;
    this.overlay.adopt(file, this);
    // An unlinked file that is still open gets a detached copy.
    if (this.attached()) this.parent!.pin(this.name, file);
    return file;
  }
}

class OverlayFileHandle implements FileHandle {
  #lower: FileHandle | undefined;
  #upper: FileHandle | undefined;

  constructor(private readonly file: OverlayFile) {}

  /** Reads follow the file: a handle opened before a copy-up reads the copy afterwards. */
  private current(): FileHandle {
    const file = this.file;
    if (file.upper) {
      this.#upper ??= file.upper.open(true);
      return this.#upper;
    }
    this.#lower ??= file.lower!.open(false);
    return this.#lower;
  }

  read(dst: Uint8Array, pos: number): number {
    return this.current().read(dst, pos);
  }

  write(src: Uint8Array, pos: number): number {
    this.file.overlay.checkWritable();
    this.file.copyUp();
    return this.current().write(src, pos);
  }

  size(): number {
    return this.current().size();
  }

  truncate(size: number): void {
    this.file.overlay.checkWritable();
    this.file.copyUp();
    this.current().truncate(size);
  }

  sync(): void {}

  close(): void {
    this.#lower?.close();
    this.#upper?.close();
  }
}

export class OverlaySymlink extends OverlayNode implements SymlinkNode {
  readonly kind = 'symlink' as const;

  constructor(
    overlay: Overlay,
    readonly lower: SymlinkNode | undefined,
    public upper: MemSymlink | undefined,
    parent: OverlayDir,
    name: string,
  ) {
    super(overlay, parent, name);
  }

  get target(): string {
    return (this.upper ?? this.lower!).target;
  }

  stat(): NodeStat {
    return this.present((this.upper ?? this.lower!).stat());
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.overlay.checkWritable();
    this.copyUp().setTimes(atime, mtime);
  }

  copyUp(): MemSymlink {
    if (this.upper) return this.upper;
    this.overlay.checkWritable();
    const link = new MemSymlink(this.overlay.upper.fs, this.lower!.target);
    copyMeta(this.lower!.stat(), link);
    this.upper = link;
    this.overlay.adopt(link, this);
    if (this.attached()) this.parent!.pin(this.name, link);
    return link;
  }
}

export class OverlayDir extends OverlayNode implements DirNode {
  readonly kind = 'dir' as const;
  /** Directory nodes handed out, so a path names the same node every time. */
  private readonly dirs = new Map<string, OverlayDir>();
  /** Nodes of other file systems attached on top (volumes, tmpfs). */
  private mounts: Map<string, VNode> | undefined;

  constructor(
    overlay: Overlay,
    parent: OverlayDir | undefined,
    name: string,
    /** This directory in the upper layer, once copied up (the root always has one). */
    public upper: MemDir | undefined,
    /** This directory in the lower layers, top first: empty once hidden or fully copied up. */
    public lowers: readonly DirNode[],
  ) {
    super(overlay, parent, name);
  }

  stat(): NodeStat {
    return this.present((this.upper ?? this.lowers[0]!).stat());
  }

  setTimes(atime: bigint | undefined, mtime: bigint | undefined): void {
    this.overlay.checkWritable();
    this.ensureUpper().setTimes(atime, mtime);
  }

  get(name: string): VNode | undefined {
    const mounted = this.mounts?.get(name);
    if (mounted) return mounted;
    const upper = this.upper?.get(name);
    const hidden = this.upper !== undefined && this.overlay.upper.hides(this.upper, name);
    let lower: VNode | undefined;
    const lowerDirs: DirNode[] = [];
    if (!hidden) {
      for (const dir of this.lowers) {
        const node = dir.get(name);
        if (!node) continue;
        lower ??= node;
        // Lower trees hold no whiteouts: their directories merge until a non-directory.
        if (node.kind !== 'dir') break;
        lowerDirs.push(node);
      }
    }
    const top = upper ?? lower;
    if (!top) return undefined;
    if (top.kind !== 'dir') return this.overlay.wrap(top, this, name);
    const upperDir = upper as MemDir | undefined;
    const cached = this.dirs.get(name);
    if (
      cached &&
      (upperDir ? cached.upper === upperDir : !cached.upper && cached.lowers[0] === lowerDirs[0])
    ) {
      return cached;
    }
    const dir = new OverlayDir(
      this.overlay,
      this,
      name,
      upperDir,
      upperDir && lower?.kind !== 'dir' ? [] : lowerDirs,
    );
    this.dirs.set(name, dir);
    return dir;
  }

  list(): Array<[string, VNode]> {
    const names = new Set<string>();
    const hidden = (name: string) => this.upper !== undefined && this.overlay.upper.hides(this.upper, name);
    for (const dir of this.lowers) for (const [name] of dir.list()) if (!hidden(name)) names.add(name);
    if (this.upper) for (const name of this.upper.entries.keys()) names.add(name);
    if (this.mounts) for (const name of this.mounts.keys()) names.add(name);
    const out: Array<[string, VNode]> = [];
    for (const name of names) {
      const node = this.get(name);
      if (node) out.push([name, node]);
    }
    return out;
  }

  createFile(name: string, mode: number): FileNode {
    const upper = this.prepareNew(name);
    upper.createFile(name, mode);
    return this.get(name) as OverlayFile;
  }

  mkdir(name: string, mode: number): DirNode {
    const upper = this.prepareNew(name);
    upper.mkdir(name, mode);
    return this.get(name) as OverlayDir;
  }

  symlink(name: string, target: string): SymlinkNode {
    const upper = this.prepareNew(name);
    upper.symlink(name, target);
    return this.get(name) as OverlaySymlink;
  }

  link(name: string, node: VNode): void {
    if (node.kind === 'dir') throw new FsError('EPERM', 'hard link to a directory');
    if (!(node instanceof OverlayFile || node instanceof OverlaySymlink) || node.overlay !== this.overlay) {
      throw new FsError('EXDEV');
    }
    const upper = this.prepareNew(name);
    upper.link(name, node.copyUp());
  }

  unlink(name: string): void {
    this.overlay.checkWritable();
    const node = this.get(name);
    if (!node) throw new FsError('ENOENT');
    if (this.mounts?.has(name)) throw new FsError('EBUSY', 'mount point');
    if (node.kind === 'dir') throw new FsError('EISDIR');
    this.removeEntry(name);
  }

  rmdir(name: string): void {
    this.overlay.checkWritable();
    const node = this.get(name);
    if (!node) throw new FsError('ENOENT');
    if (node.kind !== 'dir') throw new FsError('ENOTDIR');
    if (!(node instanceof OverlayDir) || this.mounts?.has(name) || node.mounts?.size) {
      throw new FsError('EBUSY', 'mount point');
    }
    if (node.list().length > 0) throw new FsError('ENOTEMPTY');
    this.removeEntry(name);
    this.dirs.delete(name);
    node.parent = undefined;
  }

  rename(name: string, toDir: DirNode, toName: string): void {
    this.overlay.checkWritable();
    if (!(toDir instanceof OverlayDir) || toDir.overlay !== this.overlay) throw new FsError('EXDEV');
    const node = this.get(name);
    if (!node) throw new FsError('ENOENT');
    if (!(node instanceof OverlayNode) || toDir.mounts?.has(toName))
      throw new FsError('EBUSY', 'mount point');
    if (toDir === this && toName === name) return;
    if (node instanceof OverlayDir) {
      // A directory moves as a whole into the upper layer (its files' data stays shared).
      node.materialize();
    } else {
      this.pin(name, (node as OverlayFile | OverlaySymlink).copyUp());
    }
    const from = this.ensureUpper();
    const to = toDir.ensureUpper();
    const replaced = toDir.get(toName);
    if (replaced instanceof OverlayDir) {
      toDir.dirs.delete(toName);
      replaced.parent = undefined;
    }
    // The kernel checked the replacement is allowed; in the upper layer it is empty or a file.
    if (replaced && !to.get(toName)) toDir.removeEntry(toName);
    from.rename(name, to, toName);
    if (this.lowerHas(name)) this.overlay.upper.hide(from, name);
    if (toDir.lowerHas(toName)) this.overlay.upper.hide(to, toName);
    if (node instanceof OverlayDir) {
      this.dirs.delete(name);
      toDir.dirs.set(toName, node);
    }
    node.parent = toDir;
    node.name = toName;
  }

  /** Attaches a node of another file system (a volume, a tmpfs) at `name`, over what is there. */
  mount(name: string, node: VNode): void {
    this.mounts ??= new Map();
    this.mounts.set(name, node);
  }

  /** This directory in the upper layer, created (with the lower one's metadata) on first need. */
  ensureUpper(): MemDir {
    if (this.upper) return this.upper;
    this.overlay.checkWritable();
    const parent = this.parent;
    if (!parent || !this.attached()) throw new FsError('ENOENT', 'the directory was removed');
    const parentUpper = parent.ensureUpper();
    const stat = this.lowers[0]!.stat();
    const dir = keepTimes(parentUpper, () => parentUpper.mkdir(this.name, stat.mode));
    copyMeta(stat, dir);
    this.upper = dir;
    return dir;
  }

  /** Makes sure the upper layer holds `name` as `node` (a copy-up, or one of its hard links). */
  pin(name: string, node: MemFile | MemSymlink): void {
    const upper = this.ensureUpper();
    const current = upper.get(name);
    if (current === node) return;
    keepTimes(upper, () => {
      if (current) upper.unlink(name);
      upper.link(name, node);
    });
  }

  /** Copies the whole subtree up and stops merging it with the lower layers. */
  private materialize(): void {
    this.ensureUpper();
    if (this.lowers.length === 0) return;
    for (const [name, child] of this.list()) {
      if (this.mounts?.has(name)) continue;
      if (child instanceof OverlayDir) child.materialize();
      else if (child instanceof OverlayFile || child instanceof OverlaySymlink)
        this.pin(name, child.copyUp());
    }
    this.lowers = [];
    const parent = this.parent;
    if (parent?.upper && parent.lowerHas(this.name)) this.overlay.upper.hide(parent.upper, this.name);
  }

  private prepareNew(name: string): MemDir {
    this.overlay.checkWritable();
    if (this.get(name)) throw new FsError('EEXIST');
    // A name hidden by a whiteout may still sit in the lower layers: the whiteout stays, so a new
    // directory there starts empty (opaque) instead of merging with the deleted one.
    return this.ensureUpper();
  }

  /** Removes `name` from the merged view: from the upper layer, and hidden in the lower ones. */
  private removeEntry(name: string): void {
    const upper = this.ensureUpper();
    if (upper.get(name)) {
      const node = upper.get(name)!;
      if (node.kind === 'dir') upper.rmdir(name);
      else upper.unlink(name);
    } else {
      upper.touchModified();
    }
    if (this.lowerHas(name)) this.overlay.upper.hide(upper, name);
  }

  lowerHas(name: string): boolean {
    return this.lowers.some((dir) => dir.get(name) !== undefined);
  }
}

/** Runs a change to `dir` that must not show as a modification (a copy-up). */
function keepTimes<T>(dir: MemDir, change: () => T): T {
  const { mtime, ctime } = dir;
  const result = change();
  dir.mtime = mtime;
  dir.ctime = ctime;
  return result;
}

function copyMeta(stat: NodeStat, node: MemDir | MemFile | MemSymlink): void {
  node.mode = stat.mode;
  node.uid = stat.uid;
  node.gid = stat.gid;
  node.atime = stat.atime;
  node.mtime = stat.mtime;
  node.ctime = stat.ctime;
}

/** Copy-up from a lower tree that is not in memory (e.g. a host directory). */
function readAll(file: FileNode): FileData {
  const data = new FileData();
  const handle = file.open(false);
  try {
    const buffer = new Uint8Array(1 << 16);
    for (let at = 0; ; ) {
      const n = handle.read(buffer, at);
      if (n === 0) break;
      data.write(buffer.subarray(0, n), at);
      at += n;
    }
  } finally {
    handle.close();
  }
  return data;
}
