// Applies one layer blob over a layer tree, giving the next tree of the chain: entries created,
// replaced or removed (OCI whiteouts, opaque directories), every name bounded to the root.

import { FileData } from '../vfs/file-data.js';
import { MemDir, type MemFile, MemFs, type MemSymlink } from '../vfs/mem.js';
import { lookup } from '../vfs/resolve.js';
import { FsError, type VNode } from '../vfs/types.js';
import { decompress } from './decompress.js';
import { layerError } from './errors.js';
import { type ByteStream, chunksOf } from './source.js';
import { readTar, type TarEntry } from './tar.js';
import { cloneTree, type LayerTree } from './tree.js';

export interface LayerLimits {
  /** Most uncompressed tar bytes in one layer. Default 2 GiB. */
  maxBytes: number;
  /** Most entries in one layer. Default 500 000. */
  maxEntries: number;
}

export const DEFAULT_LAYER_LIMITS: Readonly<LayerLimits> = { maxBytes: 2 * 1024 ** 3, maxEntries: 500_000 };

export interface LayerWarning {
  digest: string;
  entry: string;
  message: string;
}

export interface ApplyOptions {
  /** The layer's digest: names the layer in every error and warning. */
  digest: string;
  /** The descriptor's media type; when absent or silent about compression, magic bytes decide. */
  mediaType?: string;
  limits?: Partial<LayerLimits>;
  /** Entries skipped rather than refused (device nodes, fifos). Default: ignored. */
  onWarning?: (warning: LayerWarning) => void;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_PATH = 4096;
const MAX_NAME = 255;
const encoder = new TextEncoder();

/**
 * Unpacks the layer in `stream` over `lower` (undefined for the first layer) and returns the new
 * tree; `lower` is never changed. Refusals are RuntimeErrors 'ERR_LAYER_INVALID' or
 * 'ERR_LAYER_LIMIT' naming the layer digest and the entry.
 */
export async function applyLayer(
  lower: LayerTree | undefined,
  stream: ByteStream,
  options: ApplyOptions,
): Promise<LayerTree> {
  const limits = { ...DEFAULT_LAYER_LIMITS, ...options.limits };
  const { digest } = options;
  // New nodes take the time of the entry being applied, so a tree never depends on the wall clock.
  let clock = 0n;
  const now = () => clock;
  const fs = lower ? cloneTree(lower.fs, now) : new MemFs({ now });
  const layer = new LayerApply(fs, digest, options.onWarning);
  const tar = decompress(chunksOf(stream), {
    digest,
    maxBytes: limits.maxBytes,
    ...(options.mediaType !== undefined ? { mediaType: options.mediaType } : {}),
  });
  let count = 0;
  for await (const entry of readTar(tar, { digest, maxBytes: limits.maxBytes })) {
    if (++count > limits.maxEntries) {
      layerError('ERR_LAYER_LIMIT', digest, entry.name, `more than ${limits.maxEntries} entries`);
    }
    clock = entry.mtime;
    await layer.apply(entry);
  }
  layer.finish();
  fs.readOnly = true;
  return {
    fs,
    root: fs.root,
    chain: [...(lower?.chain ?? []), digest],
    bytes: layer.fileBytes + count * bytesPerEntry,
  };
}

/** What an entry costs beyond its file bytes (nodes, names, maps), roughly. */
const bytesPerEntry = 256;

class LayerApply {
  /** Bytes of the files this layer wrote. */
  fileBytes = 0;
  /** Names each directory got from this layer: whiteouts and opaque markers spare them. */
  private readonly unpacked = new Map<MemDir, Set<string>>();
  /** Times a directory had before this layer changed its entries, restored at the end. */
  private readonly savedTimes = new Map<MemDir, [bigint, bigint]>();
  /** Times of directory entries, set at the end: adding children would overwrite them. */
  private readonly dirTimes = new Map<MemDir, [bigint, bigint]>();

  constructor(
    private readonly fs: MemFs,
    private readonly digest: string,
    private readonly onWarning: ApplyOptions['onWarning'],
  ) {}

  async apply(entry: TarEntry): Promise<void> {
    const names = this.components(entry.name, entry.name);
    const name = names.pop();
    if (name === undefined) {
      // The archive's own root ("./"): only its metadata applies.
      if (entry.type === 'dir') this.setMeta(this.fs.root, entry);
      return;
    }
    if (name === OPAQUE) return this.opaque(entry, names);
    if (name.startsWith(WHITEOUT)) return this.whiteout(entry, names, name.slice(WHITEOUT.length));

    switch (entry.type) {
      case 'char':
      case 'block':
      case 'fifo':
        this.onWarning?.({
          digest: this.digest,
          entry: entry.name,
          message: `${entry.type} device or fifo skipped`,
        });
        return;
      default:
        break;
    }
    const parent = this.parent(entry, names, true)!;
    const existing = parent.get(name);
    if (entry.type === 'dir') {
      let dir: MemDir;
      if (existing instanceof MemDir) {
        dir = existing;
      } else {
        if (existing) this.remove(parent, name);
        dir = this.edit(parent, () => parent.mkdir(name, entry.mode));
      }
      this.setMeta(dir, entry);
      this.mark(parent, name);
      return;
    }

    if (entry.type === 'hardlink') {
      const target = this.linkTarget(entry);
      if (target === existing) return this.mark(parent, name);
      if (existing) this.remove(parent, name);
      this.edit(parent, () => parent.link(name, target));
      return this.mark(parent, name);
    }
    if (existing) this.remove(parent, name);
    let node: MemFile | MemSymlink;
    if (entry.type === 'symlink') {
      if (entry.linkname === '')
        layerError('ERR_LAYER_INVALID', this.digest, entry.name, 'empty symlink target');
      node = this.edit(parent, () => parent.symlink(name, entry.linkname));
    } else {
      const data = new FileData();
      let at = 0;
      for await (const piece of entry.body) at += data.write(piece, at);
      this.fileBytes += at;
      const file = this.edit(parent, () => parent.createFile(name, entry.mode));
      file.data = data;
      node = file;
    }
    this.setMeta(node, entry);
    this.mark(parent, name);
  }

  /** Restores directory times this layer disturbed, then sets those the layer gave. */
  finish(): void {
    for (const [dir, [mtime, ctime]] of this.savedTimes) {
      dir.mtime = mtime;
      dir.ctime = ctime;
    }
    for (const [dir, [atime, mtime]] of this.dirTimes) {
      dir.atime = atime;
      dir.mtime = mtime;
      dir.ctime = mtime;
    }
  }

  /** `.wh..wh..opq`: the directory keeps only what this layer put in it, at any depth. */
  private opaque(entry: TarEntry, names: string[]): void {
    const dir = this.parent(entry, names, false);
    if (!dir) return;
    const prune = (d: MemDir) => {
      const mine = this.unpacked.get(d);
      for (const [name, node] of [...d.entries]) {
        if (!mine?.has(name)) this.remove(d, name);
        else if (node instanceof MemDir) prune(node);
      }
    };
    prune(dir);
  }

  /** `.wh.NAME`: removes NAME as the lower layers had it (never what this layer created). */
  private whiteout(entry: TarEntry, names: string[], target: string): void {
    if (target === '' || target === '.' || target === '..' || target.startsWith(WHITEOUT)) {
      layerError('ERR_LAYER_INVALID', this.digest, entry.name, 'malformed whiteout');
    }
    const dir = this.parent(entry, names, false);
    if (!dir || this.unpacked.get(dir)?.has(target)) return;
    if (dir.get(target)) this.remove(dir, target);
  }

  /**
   * Splits an archive name into root-relative names. A leading "/" is dropped (as GNU tar does);
   * ".." is refused outright, even where it would stay inside.
   */
  private components(path: string, entry: string): string[] {
    if (path.includes('\0')) layerError('ERR_LAYER_INVALID', this.digest, entry, 'NUL in name');
    if (path.length > MAX_PATH) layerError('ERR_LAYER_INVALID', this.digest, entry, 'name too long');
    const names = path.split('/').filter((n) => n !== '' && n !== '.');
    for (const n of names) {
      if (n === '..')
        layerError('ERR_LAYER_INVALID', this.digest, entry, "'..' in name: it could leave the root");
      if (n.length > MAX_NAME / 3 && encoder.encode(n).length > MAX_NAME) {
        layerError('ERR_LAYER_INVALID', this.digest, entry, 'path component too long');
      }
    }
    return names;
  }

  /**
   * The directory `names` leads to. Symlinks on the way are followed inside the root only
   * (absolute targets restart at the root, '..' cannot climb above it): a symlink planted by this
   * or an earlier layer can redirect a write, never out of the tree. Missing directories are
   * created when `create`, else the result is undefined.
   */
  private parent(entry: TarEntry, names: string[], create: boolean): MemDir | undefined {
    const root = this.fs.root;
    let dir: MemDir = root;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      let node = dir.get(name);
      if (node?.kind === 'symlink') {
        try {
          node = lookup(root, names.slice(0, i + 1).join('/'), { follow: true, root }).node;
        } catch (error) {
          if (!(error instanceof FsError)) throw error;
          const why = error.errno === 'ENOTCAPABLE' ? 'it leaves the root' : error.errno;
          layerError(
            'ERR_LAYER_INVALID',
            this.digest,
            entry.name,
            `the symlink "${names.slice(0, i + 1).join('/')}" on its path cannot be followed: ${why}`,
          );
        }
        if (node === undefined && !create) return undefined;
        if (node === undefined) {
          layerError(
            'ERR_LAYER_INVALID',
            this.digest,
            entry.name,
            `the symlink "${names.slice(0, i + 1).join('/')}" on its path dangles`,
          );
        }
      }
      if (node === undefined) {
        if (!create) return undefined;
        const parent = dir;
        node = this.edit(parent, () => parent.mkdir(name, 0o755));
      }
      if (!(node instanceof MemDir) || node.fs !== this.fs) {
        if (!create) return undefined;
        layerError(
          'ERR_LAYER_INVALID',
          this.digest,
          entry.name,
          `"${names.slice(0, i + 1).join('/')}" is not a directory`,
        );
      }
      dir = node;
    }
    return dir;
  }

  /** The node a hard link names: inside the root, in this layer or a lower one, not a directory. */
  private linkTarget(entry: TarEntry): VNode {
    const names = this.components(entry.linkname, entry.name);
    const name = names.pop();
    const dir = name === undefined ? undefined : this.parent(entry, names, false);
    const target = name === undefined ? undefined : dir?.get(name);
    if (!target)
      layerError(
        'ERR_LAYER_INVALID',
        this.digest,
        entry.name,
        `hard link target "${entry.linkname}" not found`,
      );
    if (target.kind === 'dir')
      layerError('ERR_LAYER_INVALID', this.digest, entry.name, 'hard link to a directory');
    return target;
  }

  private remove(dir: MemDir, name: string): void {
    const node = dir.get(name);
    if (node instanceof MemDir) {
      for (const child of [...node.entries.keys()]) this.remove(node, child);
      this.edit(dir, () => dir.rmdir(name));
    } else if (node) {
      this.edit(dir, () => dir.unlink(name));
    }
    this.unpacked.get(dir)?.delete(name);
  }

  /** Runs a change to `dir`'s entries, keeping the times it had before for `finish`. */
  private edit<T>(dir: MemDir, change: () => T): T {
    if (!this.savedTimes.has(dir)) this.savedTimes.set(dir, [dir.mtime, dir.ctime]);
    return change();
  }

  private mark(dir: MemDir, name: string): void {
    const names = this.unpacked.get(dir);
    if (names) names.add(name);
    else this.unpacked.set(dir, new Set([name]));
  }

  private setMeta(node: MemDir | MemFile | MemSymlink, entry: TarEntry): void {
    node.mode = node.kind === 'symlink' ? 0o777 : entry.mode;
    node.uid = entry.uid;
    node.gid = entry.gid;
    const atime = entry.atime ?? entry.mtime;
    if (node instanceof MemDir) {
      this.dirTimes.set(node, [atime, entry.mtime]);
      return;
    }
    node.atime = atime;
    node.mtime = entry.mtime;
    node.ctime = entry.mtime;
  }
}
