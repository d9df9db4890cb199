// Shared by the container tests: the repo's layered image pulled into a store, a container root
// over it changed through the VFS as a guest would, and a snapshot that compares trees exactly.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { imageOverlay } from '../../runtime/container/image-root.js';
import type { Store } from '../../runtime/content/store.js';
import { type LoadedImage, loadImage } from '../../runtime/image/images.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { LayerTreeCache } from '../../runtime/unpack/cache.js';
import type { Overlay } from '../../runtime/vfs/overlay.js';
import type { DirNode, VNode } from '../../runtime/vfs/types.js';
import { readWholeFile } from '../../runtime/vfs/whole-file.js';

export const LAYERED = `oci:${resolve(import.meta.dirname, '../../images/layered')}`;

export interface Image {
  store: Store;
  image: LoadedImage;
  cache: LayerTreeCache;
  overlay(): Promise<Overlay>;
}

export async function layeredImage(store: Store): Promise<Image> {
  const record = await pullImage(LAYERED, { store, files: nodeFileApi });
  const image = await loadImage(store, record.name);
  const cache = new LayerTreeCache();
  return { store, image, cache, overlay: () => imageOverlay(store, image, cache) };
}

/** The node at an absolute path, without following symlinks. */
export function at(root: DirNode, path: string): VNode | undefined {
  let node: VNode | undefined = root;
  for (const name of path.split('/').filter(Boolean)) {
    if (node?.kind !== 'dir') return undefined;
    node = node.get(name);
  }
  return node;
}

export function dirAt(root: DirNode, path: string): DirNode {
  const node = at(root, path);
  if (node?.kind !== 'dir') throw new Error(`not a directory: ${path}`);
  return node;
}

function split(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return [path.slice(0, i) || '/', path.slice(i + 1)];
}

/** Creates or replaces the file's content, like a guest's open(O_CREAT|O_TRUNC) + write. */
export function writeFile(root: DirNode, path: string, data: string | Uint8Array): void {
  const [dir, name] = split(path);
  const parent = dirAt(root, dir);
  const node = parent.get(name) ?? parent.createFile(name, 0o644);
  if (node.kind !== 'file') throw new Error(`not a file: ${path}`);
  const handle = node.open(true);
  handle.truncate(0);
  handle.write(typeof data === 'string' ? new TextEncoder().encode(data) : data, 0);
  handle.close();
}

export function readFile(root: DirNode, path: string): string {
  const node = at(root, path);
  if (node?.kind !== 'file') throw new Error(`not a file: ${path}`);
  return new TextDecoder().decode(readWholeFile(node));
}

/** `rm -r` through the VFS. */
export function remove(root: DirNode, path: string): void {
  const [dir, name] = split(path);
  const parent = dirAt(root, dir);
  const node = parent.get(name);
  if (node?.kind === 'dir') {
    for (const [child] of node.list()) remove(root, `${path}/${child}`);
    parent.rmdir(name);
  } else {
    parent.unlink(name);
  }
}

/**
 * Every path with kind, mode, owner, times and content (a digest), and hard links as the first
 * path of the same inode: two trees with equal snapshots look the same to any guest.
 */
export function snapshot(root: DirNode): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<bigint, string>();
  const walk = (dir: DirNode, prefix: string) => {
    for (const [name, node] of [...dir.list()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const path = `${prefix}/${name}`;
      const st = node.stat();
      const meta = `${st.mode.toString(8)} ${st.uid}:${st.gid} m${st.mtime} a${st.atime}`;
      if (node.kind === 'dir') {
        out[path] = `dir ${meta}`;
        walk(node, path);
        continue;
      }
      const first = inodes.get(st.ino);
      if (first === undefined) inodes.set(st.ino, path);
      const link = first === undefined ? '' : ` =${first}`;
      if (node.kind === 'symlink') {
        out[path] = `symlink ${node.target}${link}`;
        continue;
      }
      const bytes = readWholeFile(node);
      out[path] = `file ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)} ${meta}${link}`;
    }
  };
  const st = root.stat();
  out['/'] = `dir ${st.mode.toString(8)} m${st.mtime}`;
  walk(root, '');
  return out;
}

/**
 * What a guest might do to the layered image: add, change, delete, replace a directory (opaque),
 * replace a file by a directory, symlinks, hard links (new, to a lower file, and the lower pair
 * data/keep/k.txt = k-hardlink.txt changed through one name), long and non-ASCII names, a file of
 * several chunks, times set to the nanosecond.
 */
export function changeEverything(root: DirNode): void {
  writeFile(root, '/data/added.txt', 'added\n');
  writeFile(root, '/etc/motd', 'changed\n');
  remove(root, '/data/new.txt');
  remove(root, '/data/old');
  remove(root, '/data/opaque');
  dirAt(root, '/data').mkdir('opaque', 0o700);
  writeFile(root, '/data/opaque/z.txt', 'z\n');
  remove(root, '/data/motd-link');
  dirAt(root, '/data').mkdir('motd-link', 0o755);
  dirAt(root, '/data').symlink('sl', '../etc/motd');
  dirAt(root, '/data').link('added-link', at(root, '/data/added.txt')!);
  dirAt(root, '/bin').link('ls-link', at(root, '/bin/ls.wasm')!);
  writeFile(root, '/data/keep/k.txt', 'k changed\n');
  writeFile(root, `/data/${'long-name-'.repeat(12)}.txt`, 'long\n');
  writeFile(root, '/data/grüße.txt', 'unicode\n');
  const big = new Uint8Array(200_000).map((_, i) => i % 251);
  writeFile(root, '/data/big.bin', big);
  at(root, '/bin/cat.wasm')!.setTimes(1_234_567_890_123_456_789n, 1_111_111_111_987_654_321n);
  dirAt(root, '/data').mkdir('empty', 0o750);
}

/** A directory renamed whole (copied up, hard link pair included) and a file moved into it. */
export function renameThings(root: DirNode): void {
  dirAt(root, '/data').rename('keep', dirAt(root, '/data'), 'kept');
  dirAt(root, '/etc').rename('motd', dirAt(root, '/data/kept'), 'motd');
}
