// Serialises a container's writable layer (`overlay.upper`) as an OCI layer tar: what it added or
// changed, `.wh.NAME` for deletions, `.wh..wh..opq` for replaced directories, hard links as links.

import { Gzip } from 'fflate';
import type { FileData } from '../vfs/file-data.js';
import { MemDir, type MemFile, type MemSymlink } from '../vfs/mem.js';
import { type Overlay, OverlayFile, OverlaySymlink } from '../vfs/overlay.js';
import type { DirNode, NodeStat, VNode } from '../vfs/types.js';
import { type TarHeader, tarEnd, tarHeader, tarPadding } from './tar-writer.js';

export interface ExportOptions {
  /** Default 'none' (what the container store keeps); 'gzip' for a layer to push. */
  compression?: 'none' | 'gzip';
}

/** Output chunk size: a few large writes and hash updates instead of one per header. */
const BATCH = 1 << 20;
const FIRST_BATCH = 16 << 10;

/**
 * The tar of `overlay`'s writable layer, in chunks. Applied over the overlay's lower trees (e.g.
 * with runtime/unpack's `applyLayer`) it gives exactly the tree the container sees: modes,
 * owners, mtimes and atimes (to the nanosecond, through pax), hard links. Mounts are not part of it.
 * The overlay must not change while the chunks are being read.
 */
export function exportUpper(overlay: Overlay, options: ExportOptions = {}): Iterable<Uint8Array> {
  const tar = upperTar(overlay);
  return options.compression === 'gzip' ? gzip(tar) : tar;
}

function upperTar(overlay: Overlay): Generator<Uint8Array> {
  const out = new Batches();
  return out.of(members(overlay, out));
}

function* members(overlay: Overlay, out: Batches): Generator<Uint8Array> {
  const { upper } = overlay;
  const dev = upper.fs.dev;
  /** Member name each upper file or symlink was first written as: later names link to it. */
  const written = new Map<MemFile | MemSymlink, string>();
  const dirs = new Set<string>();

  function* node(path: string, n: MemFile | MemSymlink): Generator<Uint8Array> {
    const first = written.get(n);
    if (first !== undefined) {
      yield tarHeader({ ...meta(path, n.stat()), type: 'hardlink', linkname: first });
      return;
    }
    written.set(n, path);
    if (n.kind === 'symlink') {
      yield tarHeader({ ...meta(path, n.stat()), type: 'symlink', linkname: n.target });
      return;
    }
    const size = n.data.size;
    yield tarHeader({ ...meta(path, n.stat()), type: 'file', size });
    out.body(n.data, size);
    const padding = tarPadding(size);
    if (padding.length > 0) yield padding;
  }

  function* dir(d: MemDir, path: string, opaque: boolean): Generator<Uint8Array> {
    dirs.add(path);
    yield tarHeader({ ...meta(path === '' ? './' : `${path}/`, d.stat()), type: 'dir' });
    const prefix = path === '' ? '' : `${path}/`;
    if (opaque) yield marker(`${prefix}.wh..wh..opq`);
    const hidden = [...(upper.whiteouts.get(d) ?? [])].filter((name) => !d.entries.has(name)).sort(byName);
    for (const name of hidden) yield marker(`${prefix}.wh.${name}`);
    for (const [name, child] of [...d.entries].sort(([a], [b]) => byName(a, b))) {
      if (child.dev !== dev) continue; // a node of another file system attached here (a mount)
      if (child instanceof MemDir) yield* dir(child, prefix + name, upper.hides(d, name));
      else yield* node(prefix + name, child as MemFile | MemSymlink);
    }
  }

  yield* dir(upper.fs.root, '', false);
  yield* aliases(overlay, dirs, node);
  yield tarEnd();
}

/**
 * Lower hard links the container reaches through a copied-up sibling: after writing `a` (copied
 * up), the lower `b` linked to it shows the new data, yet only `a` is in the upper layer. Each such
 * name is written as a link to the upper copy, with the directories above it.
 */
function* aliases(
  overlay: Overlay,
  dirs: Set<string>,
  node: (path: string, n: MemFile | MemSymlink) => Generator<Uint8Array>,
): Generator<Uint8Array> {
  const paths = new Set<string>();
  for (const lower of overlay.lowers) linkedPaths(lower, '', paths);
  for (const path of [...paths].sort(byName)) {
    const names = path.split('/');
    if (inUpper(overlay, names)) continue;
    // The merged view of the lower name: its overlay node knows whether it was copied up.
    let seen: VNode | undefined = overlay.root;
    const parents: Array<[string, NodeStat]> = [];
    for (const [i, name] of names.entries()) {
      if (seen?.kind !== 'dir') break;
      if (i > 0) parents.push([names.slice(0, i).join('/'), seen.stat()]);
      seen = seen.get(name);
    }
    if (!(seen instanceof OverlayFile || seen instanceof OverlaySymlink) || !seen.upper) continue;
    for (const [dir, stat] of parents) {
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield tarHeader({ ...meta(`${dir}/`, stat), type: 'dir' });
    }
    yield* node(path, seen.upper);
  }
}

/** Paths (relative, '/'-joined) of non-directories with more than one link in a lower tree. */
function linkedPaths(dir: DirNode, prefix: string, into: Set<string>): void {
  for (const [name, child] of dir.list()) {
    if (child.kind === 'dir') linkedPaths(child, `${prefix}${name}/`, into);
    else if (child.stat().nlink > 1n) into.add(prefix + name);
  }
}

function inUpper(overlay: Overlay, names: string[]): boolean {
  let at: VNode | undefined = overlay.upper.fs.root;
  for (const name of names) {
    if (!(at instanceof MemDir)) return false;
    // A whiteout on the way hides the lower name: nothing of it is visible to alias.
    if (overlay.upper.hides(at, name)) return true;
    at = at.get(name);
  }
  return at !== undefined;
}

/**
 * Packs the small pieces of a tar (headers, padding) and file bodies into BATCH-byte chunks; file
 * data is read straight into the chunk being filled. A yielded chunk is never reused.
 */
class Batches {
  // Small first: most upper layers are a few files; the batch grows to BATCH for big ones.
  #buffer = new Uint8Array(FIRST_BATCH);
  #at = 0;
  #full: Uint8Array[] = [];

  /** Yields the batches of `pieces` (each piece copied in), then the last partial batch. */
  *of(pieces: Iterable<Uint8Array>): Generator<Uint8Array> {
    for (const piece of pieces) {
      for (let done = 0; done < piece.length; ) {
        const n = Math.min(piece.length - done, this.#buffer.length - this.#at);
        this.#buffer.set(piece.subarray(done, done + n), this.#at);
        this.#advance(n);
        done += n;
      }
      yield* this.#full.splice(0);
    }
    if (this.#at > 0) yield this.#buffer.subarray(0, this.#at);
  }

  /** Reads `size` bytes of `data` into the batches, which `of` yields with its next piece. */
  body(data: FileData, size: number): void {
    for (let done = 0; done < size; ) {
      const n = Math.min(size - done, this.#buffer.length - this.#at);
      data.read(this.#buffer.subarray(this.#at, this.#at + n), done);
      this.#advance(n);
      done += n;
    }
  }

  #advance(n: number): void {
    this.#at += n;
    if (this.#at < this.#buffer.length) return;
    this.#full.push(this.#buffer);
    this.#buffer = new Uint8Array(Math.min(BATCH, this.#buffer.length * 4));
    this.#at = 0;
  }
}

function meta(name: string, stat: NodeStat): Omit<TarHeader, 'type'> {
  return { name, mode: stat.mode, uid: stat.uid, gid: stat.gid, mtime: stat.mtime, atime: stat.atime };
}

function marker(name: string): Uint8Array {
  return tarHeader({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0n, size: 0 });
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function* gzip(source: Iterable<Uint8Array>): Generator<Uint8Array> {
  const out: Uint8Array[] = [];
  // mtime 0: the same layer always compresses to the same bytes (and digest).
  const stream = new Gzip({ level: 6, mtime: 0 }, (chunk) => {
    out.push(chunk);
  });
  for (const chunk of source) {
    stream.push(chunk);
    yield* out.splice(0);
  }
  stream.push(new Uint8Array(0), true);
  yield* out.splice(0);
}
