// `container.fs`: the caller's view of a container's file system by absolute container path,
// over the container's root tree (symlinks resolve inside the container, never on the host); in vm
// isolation, over the tree staged before start and the one rebuilt after exit from what came back.

import { loadUpper } from '../container/import-upper.js';
import { RuntimeError } from '../errors.js';
import type { ContainerExit, ContainerHandle } from '../isolation/types.js';
import type { MemFs } from '../vfs/mem.js';
import { Overlay } from '../vfs/overlay.js';
import { ensureDir, splitAbsolute } from '../vfs/paths.js';
import { lookup, resolveNode } from '../vfs/resolve.js';
import { type DirNode, FsError, type NodeKind, type VNode } from '../vfs/types.js';
import { readWholeFile } from '../vfs/whole-file.js';
import { toBytes } from './options.js';

export interface FileStat {
  kind: NodeKind;
  size: number;
  /** Permission bits. */
  mode: number;
  mtimeMs: number;
}

/**
 * Errors are FsError (a RuntimeError, code ERR_HOST_IO) with the POSIX name in `errno` and the
 * path in the message. In vm isolation some operations are refused (ERR_NOT_SUPPORTED): see
 * `Container.fs` and `vmFs`.
 */
export interface ContainerFs {
  readFile(path: string): Promise<Uint8Array>;
  readText(path: string): Promise<string>;
  /** Creates or replaces a file; missing parent directories are created. */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Entry names, sorted. */
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<FileStat>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  rm(path: string, options?: { recursive?: boolean }): Promise<void>;
}

/** The kinds of access a gate can refuse. */
export type FsAccess = 'read' | 'write' | 'mutate';

export interface TreeFsOptions {
  /** Called before each operation; throws to refuse it (vm isolation after start). */
  gate?: (access: FsAccess, op: string, path: string) => void;
  /** Called after a successful writeFile (vm isolation: the write is staged for the worker). */
  onWrite?: (path: string, bytes: Uint8Array) => void;
}

function relative(path: string): string {
  const names = splitAbsolute(path);
  return names.length === 0 ? '.' : names.join('/');
}

function withPath<T>(op: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof FsError) throw new FsError(error.errno, `${op} ${path}`);
    throw error;
  }
}

/** A ContainerFs over the root tree `root` (an overlay, an in-memory tree, with its mounts). */
export function treeFs(getRoot: () => DirNode, options: TreeFsOptions = {}): ContainerFs {
  const gate = options.gate ?? (() => {});
  const node = (op: string, path: string): VNode => {
    const root = getRoot();
    return withPath(op, path, () => resolveNode(root, relative(path), { follow: true, root }));
  };
  const readFile = async (path: string): Promise<Uint8Array> => {
    gate('read', 'read', path);
    const file = node('read', path);
    if (file.kind !== 'file') throw new FsError('EISDIR', `read ${path}`);
    return readWholeFile(file);
  };
  return {
    readFile,
    readText: async (path) => new TextDecoder().decode(await readFile(path)),
    async writeFile(path, data) {
      gate('write', 'write', path);
      const bytes = toBytes(data);
      const root = getRoot();
      withPath('write', path, () => {
        const names = splitAbsolute(path);
        const name = names.pop();
        if (name === undefined) throw new FsError('EISDIR');
        const parent = ensureDir(root, `/${names.join('/')}`);
        const found = lookup(parent, name, { follow: true, root });
        const file = found.node ?? found.parent.createFile(found.name, 0o644);
        if (file.kind !== 'file') throw new FsError('EISDIR');
        const handle = file.open(true);
        try {
          handle.truncate(0);
          handle.write(bytes, 0);
        } finally {
          handle.close();
        }
      });
      options.onWrite?.(path, bytes);
    },
    async readdir(path) {
      gate('read', 'readdir', path);
      const dir = node('readdir', path);
      if (dir.kind !== 'dir') throw new FsError('ENOTDIR', `readdir ${path}`);
      return withPath('readdir', path, () => dir.list().map(([name]) => name)).sort();
    },
    async stat(path) {
      gate('read', 'stat', path);
      const st = withPath('stat', path, () => node('stat', path).stat());
      return { kind: st.kind, size: Number(st.size), mode: st.mode, mtimeMs: Number(st.mtime / 1_000_000n) };
    },
    async exists(path) {
      gate('read', 'exists', path);
      const root = getRoot();
      try {
        return lookup(root, relative(path), { follow: true, root }).node !== undefined;
      } catch (error) {
        if (error instanceof FsError) return false;
        throw error;
      }
    },
    async mkdir(path, mkdirOptions = {}) {
      gate('mutate', 'mkdir', path);
      const root = getRoot();
      withPath('mkdir', path, () => {
        if (mkdirOptions.recursive) {
          ensureDir(root, path);
          return;
        }
        const found = lookup(root, relative(path), { follow: false, root });
        if (found.node) throw new FsError('EEXIST');
        found.parent.mkdir(found.name, 0o755);
      });
    },
    async rm(path, rmOptions = {}) {
      gate('mutate', 'rm', path);
      const root = getRoot();
      withPath('rm', path, () => {
        const found = lookup(root, relative(path), { follow: false, root });
        if (!found.node) throw new FsError('ENOENT');
        if (found.name === '.') throw new FsError('EBUSY', 'the container root');
        removeEntry(found.parent, found.name, found.node, !!rmOptions.recursive);
      });
    },
  };
}

function removeEntry(parent: DirNode, name: string, node: VNode, recursive: boolean): void {
  if (node.kind !== 'dir') {
    parent.unlink(name);
    return;
  }
  if (recursive) for (const [child, sub] of node.list()) removeEntry(node, child, sub, true);
  parent.rmdir(name);
}

/** vm isolation's `container.fs` and the hooks `create` wires to the container's launch. */
export interface VmFs {
  fs: ContainerFs;
  /** Files written through `fs` before start, for the spec (the worker writes them at start). */
  staged: ReadonlyMap<string, Uint8Array>;
  /**
   * Wraps the started handle: its `exit` settles once `fs` shows the container's root rebuilt from
   * the image's trees and the writable layer the worker returned (`spec.returnUpper`).
   */
  started(handle: ContainerHandle): ContainerHandle;
}

/**
 * Before start: reads see the image (`staging`'s lower trees) and staged writes; `writeFile` stages
 * a file (mkdir, rm and replacing an image file are refused). While it runs: every call is refused,
 * the tree is in the worker. After an exit or a trap: the container's root as the guest left it,
 * rebuilt on this side (a copy: changes are allowed and reach no one; mounts are not part of it).
 * After a kill or timeout: refused, the tree ended with its worker.
 */
export function vmFs(staging: MemFs | Overlay, id: string): VmFs {
  const staged = new Map<string, Uint8Array>();
  let state: 'created' | 'running' | 'exited' = 'created';
  let after: Overlay | undefined;
  let lost = 'it was killed';
  const fs = treeFs(() => (after ?? staging).root, {
    gate: (access, op, path) => {
      if (after) return;
      if (state === 'running')
        throw vmRefusal(op, path, 'while it runs, its file system lives in its worker');
      if (state === 'exited') throw vmRefusal(op, path, `its file system ended with its worker: ${lost}`);
      if (access === 'mutate')
        throw vmRefusal(op, path, 'before start, only writeFile is staged for the worker');
      if (access === 'write' && !staged.has(path) && exists(staging, path)) {
        throw vmRefusal(op, path, 'replacing an image file needs shared isolation');
      }
    },
    onWrite: (path, bytes) => {
      if (state === 'created') staged.set(path, bytes);
    },
  });
  const rebuild = async (exit: ContainerExit): Promise<void> => {
    state = 'exited';
    if (!exit.upperTar) {
      if (exit.reason === 'timeout') lost = 'it timed out';
      return;
    }
    const root = new Overlay({ lowers: staging instanceof Overlay ? staging.lowers : [] });
    try {
      await loadUpper(root, exit.upperTar, `the writable layer of container ${id}`);
      after = root;
    } catch (error) {
      lost = `its returned layer could not be read: ${(error as Error).message}`;
    }
  };
  return {
    fs,
    staged,
    started(handle) {
      state = 'running';
      const exit = handle.exit.then(
        async (value) => {
          await rebuild(value);
          const { upperTar: _rebuilt, ...rest } = value;
          return rest;
        },
        (error: unknown) => {
          state = 'exited';
          lost = 'it failed';
          throw error;
        },
      );
      return {
        exit,
        stdin: handle.stdin,
        stdout: handle.stdout,
        stderr: handle.stderr,
        kill: (signal) => handle.kill(signal),
      };
    },
  };
}

function exists(root: MemFs | Overlay, path: string): boolean {
  try {
    return lookup(root.root, relative(path), { follow: true, root: root.root }).node !== undefined;
  } catch (error) {
    if (error instanceof FsError) return false;
    throw error;
  }
}

function vmRefusal(op: string, path: string, why: string): RuntimeError {
  return new RuntimeError(
    'ERR_NOT_SUPPORTED',
    `${op} ${path}: the container runs in vm isolation, and ${why}`,
  );
}
