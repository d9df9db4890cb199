// `wasmbox cp NAME:PATH HOSTPATH` and `wasmbox cp HOSTPATH NAME:PATH`: copies a file or directory
// out of or into a kept container, like docker cp. Out: nothing is written outside HOSTPATH (host
// symlinks in the way are replaced, never followed). In: the files join the container's writable
// layer, which is saved again (the old one replaced at once: see ContainerStore.replaceUpper).

import { constants } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  stat,
  symlink,
  unlink,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { exportUpper } from '../container/export-upper.js';
import { openContainer } from '../container/open.js';
import { RuntimeError } from '../errors.js';
import { openNodeContainers } from '../platform/node/containers.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { openNodeStore } from '../platform/node/images.js';
import { LayerTreeCache } from '../unpack/cache.js';
import { lookup } from '../vfs/resolve.js';
import { type DirNode, FsError, type VNode } from '../vfs/types.js';
import { formatSize } from './image-env.js';
import type { VerbContext } from './main.js';

interface CpFlags {
  followLink?: boolean;
}

/** `NAME:PATH` names a container path; a host path is absolute, starts with ".", or has no ":". */
function containerPart(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

export function registerCp(program: Command, ctx: VerbContext): void {
  program
    .command('cp')
    .description('copy files or directories between a kept container and the host')
    .argument('<src>', 'NAME:PATH or HOSTPATH (PATH/. copies the contents of a directory)')
    .argument('<dest>', 'HOSTPATH or NAME:PATH')
    .option('-L, --follow-link', 'follow a symlink named by the source path')
    .action(async (src: string, dest: string, flags: CpFlags) => {
      const from = containerPart(src);
      const to = containerPart(dest);
      if (from && to)
        throw new RuntimeError('ERR_NOT_SUPPORTED', 'copying between containers is not supported');
      if (to) {
        if (src === '-')
          throw new RuntimeError('ERR_NOT_SUPPORTED', 'cp from "-" (a tar stream) is not supported');
        const copied = await copyIn(src, to.container, to.path, flags.followLink ?? false);
        process.stderr.write(`Successfully copied ${formatSize(copied)} to ${dest}\n`);
        ctx.setExit(0);
        return;
      }
      if (!from) throw new RuntimeError('ERR_INVALID_ARGUMENT', 'one of the paths must be NAME:PATH');
      if (dest === '-')
        throw new RuntimeError('ERR_NOT_SUPPORTED', 'cp to "-" (a tar stream) is not supported');
      const bytes = await copyOut(from.container, from.path, dest, flags.followLink ?? false);
      process.stderr.write(`Successfully copied ${formatSize(bytes)} to ${dest}\n`);
      ctx.setExit(0);
    });
}

async function copyOut(name: string, path: string, dest: string, follow: boolean): Promise<number> {
  const { overlay, record } = await openContainer(
    openNodeContainers(process.env),
    openNodeStore(process.env),
    new LayerTreeCache(),
    name,
    { createHasher: nodeSha256 },
  );
  const notFound = () =>
    new RuntimeError('ERR_NOT_FOUND', `Could not find the file ${path} in container ${record.name}`);
  // Relative container paths start at the root, as in docker.
  const relative = path.replace(/^\/+/, '') || '.';
  const contentsOnly = /(^|\/)\.$/.test(relative);
  let node: VNode | undefined;
  try {
    const found = lookup(overlay.root, relative, { follow, root: overlay.root });
    node = found.node;
    if (node && found.mustBeDir && node.kind !== 'dir') throw new FsError('ENOTDIR');
  } catch (error) {
    if (error instanceof FsError)
      throw new RuntimeError('ERR_NOT_FOUND', `${notFound().message}: ${error.errno}`);
    throw error;
  }
  if (!node) throw notFound();

  const destStat = await stat(dest).catch(() => undefined);
  const srcName = relative
    .split('/')
    .filter((n) => n !== '' && n !== '.')
    .pop();
  let target: string;
  if (destStat?.isDirectory()) {
    target =
      node.kind === 'dir' && (contentsOnly || srcName === undefined) ? dest : join(dest, srcName ?? '');
  } else if (destStat) {
    if (node.kind === 'dir') throw invalid(`cannot copy a directory to a file: ${dest}`);
    target = dest;
  } else {
    if (dest.endsWith('/')) throw invalid(`destination directory ${dest} does not exist`);
    const parent = await stat(dirname(dest)).catch(() => undefined);
    if (!parent?.isDirectory()) throw invalid(`the parent directory of ${dest} does not exist`);
    target = dest;
  }
  const copier = new HostWriter();
  await copier.write(node, target);
  return copier.bytes;
}

function invalid(message: string): RuntimeError {
  return new RuntimeError('ERR_INVALID_ARGUMENT', message);
}

function hostIo(error: unknown, path: string): RuntimeError {
  if (error instanceof RuntimeError) return error;
  return new RuntimeError('ERR_HOST_IO', `${path}: ${(error as Error).message}`, { cause: error });
}

/** Writes container nodes to host paths; hard links inside the copied tree stay links. */
class HostWriter {
  bytes = 0;
  readonly #linked = new Map<bigint, string>();

  async write(node: VNode, path: string): Promise<void> {
    try {
      await this.#write(node, path);
    } catch (error) {
      throw hostIo(error, path);
    }
  }

  async #write(node: VNode, path: string): Promise<void> {
    const existing = await lstat(path).catch(() => undefined);
    const st = node.stat();
    if (node.kind === 'dir') {
      if (existing && !existing.isDirectory())
        throw invalid(`cannot overwrite non-directory ${path} with a directory`);
      if (!existing) await mkdir(path, { mode: 0o700 });
      for (const [name, child] of node.list()) {
        // Names come from the container's tree: one component each, never "." or "..".
        if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
          throw invalid(`refusing the container entry name ${JSON.stringify(name)}`);
        }
        await this.#write(child, join(path, name));
      }
      await chmod(path, st.mode & 0o7777);
      await utimes(path, seconds(st.atime), seconds(st.mtime));
      return;
    }
    if (existing?.isDirectory()) throw invalid(`cannot overwrite directory ${path} with non-directory`);
    // A host symlink (or any file) in the way is replaced, so a write can never go through it.
    if (existing) await unlink(path);
    const first = st.nlink > 1n ? this.#linked.get(st.ino) : undefined;
    if (first !== undefined) {
      await link(first, path);
      return;
    }
    if (st.nlink > 1n) this.#linked.set(st.ino, path);
    if (node.kind === 'symlink') {
      await symlink(node.target, path);
      await lutimes(path, seconds(st.atime), seconds(st.mtime));
      return;
    }
    const file = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    const source = node.open(false);
    try {
      const buffer = new Uint8Array(1 << 20);
      for (let at = 0; ; ) {
        const n = source.read(buffer, at);
        if (n === 0) break;
        await file.write(buffer, 0, n, at);
        at += n;
      }
      this.bytes += source.size();
      await file.chmod(st.mode & 0o7777);
    } finally {
      source.close();
      await file.close();
    }
    await utimes(path, seconds(st.atime), seconds(st.mtime));
  }
}

function seconds(ns: bigint): number {
  return Number(ns) / 1e9;
}

/** Host files into the kept container `name` at `path`; returns the file bytes copied. */
async function copyIn(src: string, name: string, path: string, follow: boolean): Promise<number> {
  const containers = openNodeContainers(process.env);
  const { overlay, record } = await openContainer(
    containers,
    openNodeStore(process.env),
    new LayerTreeCache(),
    name,
    {
      writable: true,
      createHasher: nodeSha256,
    },
  );
  const source = await (follow ? stat : lstat)(src, { bigint: true }).catch(() => undefined);
  if (!source) throw new RuntimeError('ERR_NOT_FOUND', `no such file or directory on the host: ${src}`);
  const contentsOnly = /(^|\/)\.$/.test(src);
  const srcName = basename(resolve(src));

  // Relative container paths start at the root, as in docker.
  const relative = path.replace(/^\/+/, '');
  const mustBeDir = relative === '' || relative.endsWith('/');
  let node: VNode | undefined;
  let parent: DirNode;
  let leaf: string;
  try {
    const found = lookup(overlay.root, relative || '.', { follow: true, root: overlay.root });
    node = found.node;
    parent = found.parent;
    leaf = found.name;
    if (mustBeDir && node && node.kind !== 'dir') throw new FsError('ENOTDIR');
  } catch (error) {
    if (error instanceof FsError) {
      throw invalid(
        `${error.errno === 'ENOENT' ? 'the parent directory of' : 'cannot use'} ${path} in container ${record.name}`,
      );
    }
    throw error;
  }
  const writer = new ContainerWriter();
  if (node?.kind === 'dir') {
    if (source.isDirectory() && contentsOnly) await writer.contents(src, node);
    else await writer.write(src, node, srcName, follow);
  } else if (node) {
    if (source.isDirectory()) throw invalid(`cannot copy a directory to a file: ${path}`);
    await writer.write(src, parent, leaf, follow);
  } else {
    if (mustBeDir) throw invalid(`destination directory ${path} does not exist in container ${record.name}`);
    await writer.write(src, parent, leaf, follow);
  }

  // The writable layer, saved again: its digest and size become the record's.
  const hasher = nodeSha256();
  const tar: Uint8Array[] = [];
  let size = 0;
  for (const chunk of exportUpper(overlay)) {
    hasher.update(chunk);
    tar.push(chunk);
    size += chunk.length;
  }
  await containers.replaceUpper(record.id, tar, { ...record.upper, digest: hasher.digest(), size });
  return writer.bytes;
}

/** Writes host files into container directories; hard links inside the copied tree stay links. */
class ContainerWriter {
  bytes = 0;
  readonly #linked = new Map<string, VNode>();

  /** The entries of host directory `from` into `dir`. */
  async contents(from: string, dir: DirNode): Promise<void> {
    for (const name of await this.#host(from, () => readdir(from)))
      await this.write(join(from, name), dir, name, false);
  }

  /** Host `from` as entry `name` of `dir`, replacing a file there (not a directory). */
  async write(from: string, dir: DirNode, name: string, follow: boolean): Promise<void> {
    const st = await this.#host(from, () => (follow ? stat : lstat)(from, { bigint: true }));
    const existing = dir.get(name);
    const mode = Number(st.mode & 0o7777n);
    const times = (node: VNode) => node.setTimes(st.atimeNs, st.mtimeNs);
    try {
      if (st.isDirectory()) {
        if (existing && existing.kind !== 'dir')
          throw invalid(`cannot overwrite non-directory ${name} with a directory`);
        const target = existing?.kind === 'dir' ? existing : dir.mkdir(name, mode);
        await this.contents(from, target);
        times(target);
        return;
      }
      if (!st.isFile() && !st.isSymbolicLink()) {
        process.stderr.write(`wasmbox: ${from}: not a file, directory or symlink: skipped\n`);
        return;
      }
      if (existing?.kind === 'dir') throw invalid(`cannot overwrite directory ${name} with non-directory`);
      if (existing) dir.unlink(name);
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1n ? this.#linked.get(key) : undefined;
      if (first) {
        dir.link(name, first);
        return;
      }
      let node: VNode;
      if (st.isSymbolicLink()) {
        node = dir.symlink(name, await this.#host(from, () => readlink(from)));
      } else {
        const file = dir.createFile(name, mode);
        const handle = file.open(true);
        const host = await this.#host(from, () => open(from, constants.O_RDONLY | constants.O_NOFOLLOW));
        try {
          const buffer = new Uint8Array(1 << 20);
          for (let at = 0; ; ) {
            const { bytesRead } = await host.read(buffer, 0, buffer.length, at);
            if (bytesRead === 0) break;
            handle.write(buffer.subarray(0, bytesRead), at);
            at += bytesRead;
            this.bytes += bytesRead;
          }
        } finally {
          handle.close();
          await host.close();
        }
        node = file;
      }
      times(node);
      if (st.nlink > 1n) this.#linked.set(key, node);
    } catch (error) {
      if (error instanceof FsError) throw invalid(`cannot write ${name} in the container: ${error.errno}`);
      throw error;
    }
  }

  async #host<T>(path: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw hostIo(error, path);
    }
  }
}
