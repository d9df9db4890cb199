// One image layer being built: the entries a COPY or ADD wrote, then packed into a reproducible
// tar (sorted names, uid/gid 0, one fixed mtime) gzipped with fixed settings (fflate, level 9,
// no name, mtime 0). Returns the blob, its descriptor and the diff_id the config lists.

import { gzipSync } from 'fflate';
import { concatBytes as concat } from '../core/bytes.js';
import type { Descriptor } from '../core/descriptor.js';
import { type Digest, type HasherFactory, nobleSha256 } from '../core/digest.js';
import { MediaTypes } from '../core/media-types.js';
import { type TarWriteEntry, tarHeader, tarPadding, tarTrailer } from './tar-writer.js';

export type LayerNode =
  | { kind: 'file'; mode: number; data: Uint8Array }
  | { kind: 'dir'; mode: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'hardlink'; target: string };

/** Default mode of directories a COPY creates on the way to its destination (docker's). */
const parentMode = 0o755;

/** The files one instruction adds, keyed by absolute path without the leading `/`. */
export class LayerContents {
  readonly entries = new Map<string, LayerNode>();

  /** Adds or replaces `path`; missing parent directories are created 0755. */
  set(path: string, node: LayerNode): void {
    const parts = path.split('/');
    for (let n = 1; n < parts.length; n++) {
      const parent = parts.slice(0, n).join('/');
      const existing = this.entries.get(parent);
      if (existing?.kind !== 'dir') this.entries.set(parent, { kind: 'dir', mode: parentMode });
    }
    if (node.kind !== 'dir') {
      for (const key of this.entries.keys()) if (key.startsWith(`${path}/`)) this.entries.delete(key);
    }
    this.entries.set(path, node);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface PackedLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: Digest;
  blob: Uint8Array;
  /** The uncompressed tar (applied to the build's own view of the image). */
  tar: Uint8Array;
}

/**
 * The layer's tar: entries sorted by path (so parents precede children), hard links after
 * everything else (their targets must come first), all owned by 0:0 with mtime `mtime` seconds.
 */
export function layerTar(contents: LayerContents, mtime: number): Uint8Array {
  const paths = [...contents.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ordered = [
    ...paths.filter((p) => contents.entries.get(p)!.kind !== 'hardlink'),
    ...paths.filter((p) => contents.entries.get(p)!.kind === 'hardlink'),
  ];
  const parts: Uint8Array[] = [];
  for (const path of ordered) {
    const node = contents.entries.get(path)!;
    let entry: TarWriteEntry;
    if (node.kind === 'file') entry = { type: 'file', path, mode: node.mode, size: node.data.length, mtime };
    else if (node.kind === 'dir') entry = { type: 'dir', path, mode: node.mode, mtime };
    else entry = { type: node.kind, path, target: node.target, mode: 0o777, mtime };
    parts.push(...tarHeader(entry));
    if (node.kind === 'file') parts.push(node.data, tarPadding(node.data.length));
  }
  parts.push(tarTrailer);
  return concat(parts);
}

/** Packs and gzips a layer; the same contents and mtime always give the same digests. */
export function packLayer(
  contents: LayerContents,
  mtime: number,
  createHasher: HasherFactory = nobleSha256,
): PackedLayer {
  const tar = layerTar(contents, mtime);
  const blob = gzipSync(tar, { level: 9, mtime: 0 });
  const hash = (bytes: Uint8Array) => {
    const hasher = createHasher();
    hasher.update(bytes);
    return hasher.digest();
  };
  return {
    descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: hash(blob), size: blob.length },
    diffId: hash(tar),
    blob,
    tar,
  };
}
