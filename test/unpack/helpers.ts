// Test helpers for layers: real tarballs from GNU tar and umoci, hand-made ones from tar-stream,
// chunked streams, and a snapshot of a tree to compare trees byte for byte.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { type ApplyOptions, applyLayer } from '../../runtime/unpack/apply.js';
import type { LayerTree } from '../../runtime/unpack/tree.js';
import { MemDir, MemFile, MemSymlink } from '../../runtime/vfs/mem.js';
import type { DirNode, VNode } from '../../runtime/vfs/types.js';
import { readWholeFile } from '../../runtime/vfs/whole-file.js';

export function tempDir(prefix = 'wasmbox-unpack-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `tar -c` with GNU tar in `dir`, of `paths` (default: everything), with extra flags. */
export function gnuTar(dir: string, flags: string[] = [], paths: string[] = ['.']): Uint8Array {
  return new Uint8Array(execFileSync('tar', ['-C', dir, '--numeric-owner', ...flags, '-cf', '-', ...paths]));
}

export function sh(script: string, cwd: string): void {
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd, stdio: 'pipe' });
}

export interface PackEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  body?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  mtime?: Date;
  size?: number;
}

/** A tar made by tar-stream's packer: our reader is not the only judge of what it wrote. */
export async function packTar(entries: PackEntry[]): Promise<Uint8Array> {
  const p = pack();
  const parts: Buffer[] = [];
  p.on('data', (chunk: unknown) => {
    parts.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    // tar-stream waits for a streamed body when a file gets none.
    const body = e.body !== undefined ? Buffer.from(e.body) : type === 'file' ? Buffer.alloc(0) : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644),
        mtime: e.mtime ?? new Date(1_700_000_000_000),
        ...(e.size !== undefined ? { size: e.size } : {}),
      };
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) p.entry(header, body, done);
      else p.entry(header, done);
    });
  }
  p.finalize();
  await done;
  return new Uint8Array(Buffer.concat(parts));
}

/** `bytes` as an async iterable of `size`-byte chunks (odd sizes exercise header splits). */
export async function* chunked(bytes: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export function readableOf(bytes: Uint8Array, size = 4096): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

/** Applies layers bottom first, returning every tree of the chain. */
export async function applyAll(
  layers: Array<{ bytes: Uint8Array; digest?: string; mediaType?: string }>,
  options: Partial<ApplyOptions> = {},
): Promise<LayerTree[]> {
  const trees: LayerTree[] = [];
  let tree: LayerTree | undefined;
  for (const [i, layer] of layers.entries()) {
    tree = await applyLayer(tree, chunked(layer.bytes, 777), {
      digest: layer.digest ?? `sha256:layer${i}`,
      ...(layer.mediaType ? { mediaType: layer.mediaType } : {}),
      ...options,
    });
    trees.push(tree);
  }
  return trees;
}

const decoder = new TextDecoder();

/** Every path of a tree with its kind, mode, times and content: equal snapshots, equal trees. */
export function snapshot(dir: DirNode, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, node] of dir.list()) {
    const path = `${prefix}/${name}`;
    out[path] = describe(node);
    if (node.kind === 'dir') Object.assign(out, snapshot(node, path));
  }
  return out;
}

function describe(node: VNode): string {
  const st = node.stat();
  const meta = `${st.mode.toString(8)} ${st.uid}:${st.gid} m${st.mtime} n${st.nlink}`;
  if (node.kind === 'symlink') return `symlink -> ${node.target} ${meta}`;
  if (node.kind === 'dir') return `dir ${meta}`;
  return `file ${JSON.stringify(readText(node))} ${meta}`;
}

export function readBytes(node: VNode | undefined): Uint8Array {
  if (node?.kind !== 'file') throw new Error(`not a file: ${node?.kind}`);
  return readWholeFile(node);
}

export function readText(node: VNode | undefined): string {
  return decoder.decode(readBytes(node));
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

export function readFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export { MemDir, MemFile, MemSymlink };
