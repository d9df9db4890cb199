// COPY and ADD: resolves sources in the build context (globs, .dockerignore, symlinks) and the
// destination the way docker does, and fills one layer with the result. ADD also extracts local
// tar, tar.gz and tar.zst archives into the destination directory.

import { collectBytes as collect } from '../core/bytes.js';
import { RuntimeError } from '../errors.js';
import { decompress, sniffCompression } from '../unpack/decompress.js';
import { chunksOf } from '../unpack/source.js';
import { readTar } from '../unpack/tar.js';
import type { FilteredContext, FoundEntry } from './context.js';
import { LayerContents } from './layer.js';
import { cleanRelative, hasGlob } from './patterns.js';

export interface CopyRequest {
  keyword: 'COPY' | 'ADD';
  /** Sources as written (expanded), relative to the context root. */
  sources: string[];
  /** Destination as written (expanded); relative ones are under `workdir`. */
  dest: string;
  /** Absolute working directory of the image at this point. */
  workdir: string;
  /** `--chmod`: the mode of every copied file and directory. */
  chmod?: number;
  /** Names the instruction in errors, e.g. `Containerfile:4: COPY`. */
  where: string;
  /** Whether an absolute path is a directory in the image built so far. */
  isDirInImage: (path: string) => boolean;
}

const maxArchiveBytes = 2 * 1024 ** 3;

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : name === '' ? dir : `${dir}/${name}`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `/a/./b/../c` → `a/c` (no leading slash; `..` stops at the root, as in docker). */
export function cleanAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function fail(
  code: 'ERR_NOT_FOUND' | 'ERR_INVALID_ARGUMENT' | 'ERR_NOT_SUPPORTED',
  where: string,
  why: string,
): never {
  throw new RuntimeError(code, `${where}: ${why}`);
}

function checkName(path: string, where: string): void {
  if (basename(path).startsWith('.wh.')) {
    fail(
      'ERR_INVALID_ARGUMENT',
      where,
      `"/${path}": names starting with .wh. are layer whiteouts and cannot be copied`,
    );
  }
}

interface Match {
  /** The name the source was asked by (its basename names a copied file). */
  name: string;
  entry: FoundEntry;
}

async function findSources(req: CopyRequest, ctx: FilteredContext): Promise<Match[]> {
  const matches: Match[] = [];
  for (const source of req.sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || source.startsWith('git@')) {
      fail(
        'ERR_NOT_SUPPORTED',
        req.where,
        `${source}: ${req.keyword} from a URL is not supported (a build reads only its local context)`,
      );
    }
    if (source.startsWith('<<')) fail('ERR_NOT_SUPPORTED', req.where, 'heredocs are not supported');
    if (hasGlob(source)) {
      const found = await ctx.glob(source, req.where);
      if (found.length === 0)
        fail('ERR_NOT_FOUND', req.where, `no file in the build context matches ${source}`);
      for (const entry of found) {
        const resolved = entry.kind === 'symlink' ? await ctx.resolve(entry.path) : entry;
        if (resolved && resolved !== 'ignored') matches.push({ name: entry.path, entry: resolved });
      }
      continue;
    }
    const path = cleanRelative(source);
    if (path === undefined) fail('ERR_INVALID_ARGUMENT', req.where, `${source} is outside the build context`);
    const entry = await ctx.resolve(path);
    if (entry === 'ignored') fail('ERR_NOT_FOUND', req.where, `${source} is excluded by .dockerignore`);
    if (!entry) fail('ERR_NOT_FOUND', req.where, `${source}: no such file or directory in the build context`);
    matches.push({ name: path, entry });
  }
  return matches;
}

/** Runs one COPY or ADD and returns the layer it makes. */
export async function runCopy(req: CopyRequest, ctx: FilteredContext): Promise<LayerContents> {
  const layer = new LayerContents();
  const destPath = cleanAbsolute(req.dest.startsWith('/') ? req.dest : `${req.workdir}/${req.dest}`);
  // Docker's rule: a trailing slash (or `.`), or an existing directory, makes the destination a directory.
  const destIsDir = /(^|\/)\.{0,2}$/.test(req.dest) || req.isDirInImage(`/${destPath}`);
  const matches = await findSources(req, ctx);
  if (matches.length > 1 && !destIsDir) {
    fail(
      'ERR_INVALID_ARGUMENT',
      req.where,
      `with more than one source the destination must be a directory ending in / (got ${req.dest})`,
    );
  }
  for (const { name, entry } of matches) {
    if (entry.kind === 'dir') {
      if (destPath !== '') layer.set(destPath, { kind: 'dir', mode: req.chmod ?? entry.mode });
      for (const child of await ctx.walk(entry.path)) {
        const target = joinPath(destPath, child.path.slice(entry.path.length + (entry.path === '' ? 0 : 1)));
        await addEntry(layer, target, child, req, ctx);
      }
    } else if (entry.kind === 'file') {
      const target = destIsDir || matches.length > 1 ? joinPath(destPath, basename(name)) : destPath;
      if (target === '') fail('ERR_INVALID_ARGUMENT', req.where, `cannot copy a file onto /`);
      const data = await ctx.context.read(entry.path);
      if (req.keyword === 'ADD' && (await addArchive(layer, destPath, name, data, req))) continue;
      checkName(target, req.where);
      layer.set(target, { kind: 'file', mode: req.chmod ?? entry.mode, data });
    } else {
      fail('ERR_NOT_SUPPORTED', req.where, `${name} is not a regular file, directory or symlink`);
    }
  }
  return layer;
}

async function addEntry(
  layer: LayerContents,
  target: string,
  entry: FoundEntry,
  req: CopyRequest,
  ctx: FilteredContext,
): Promise<void> {
  checkName(target, req.where);
  if (entry.kind === 'dir') layer.set(target, { kind: 'dir', mode: req.chmod ?? entry.mode });
  else if (entry.kind === 'file') {
    layer.set(target, {
      kind: 'file',
      mode: req.chmod ?? entry.mode,
      data: await ctx.context.read(entry.path),
    });
  } else if (entry.kind === 'symlink') layer.set(target, { kind: 'symlink', target: entry.target ?? '' });
  else fail('ERR_NOT_SUPPORTED', req.where, `${entry.path} is not a regular file, directory or symlink`);
}

function looksLikeTar(bytes: Uint8Array): boolean {
  if (bytes.length < 512) return false;
  if (String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') return true;
  const stored = Number.parseInt(
    String.fromCharCode(...bytes.subarray(148, 156))
      .replace(/\0.*$/, '')
      .trim(),
    8,
  );
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[i]!;
  return stored === sum;
}

/**
 * ADD of a local archive: like docker, recognised by content (tar, gzip or zstd compressed tar),
 * extracted into the destination directory. Returns false when the file is not an archive.
 */
async function addArchive(
  layer: LayerContents,
  destDir: string,
  source: string,
  data: Uint8Array,
  req: CopyRequest,
): Promise<boolean> {
  const head = data.subarray(0, 6);
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) {
    fail(
      'ERR_NOT_SUPPORTED',
      req.where,
      `${source}: bzip2 archives cannot be extracted (use tar, tar.gz or tar.zst)`,
    );
  }
  if (head[0] === 0xfd && String.fromCharCode(...head.subarray(1, 5)) === '7zXZ') {
    fail(
      'ERR_NOT_SUPPORTED',
      req.where,
      `${source}: xz archives cannot be extracted (use tar, tar.gz or tar.zst)`,
    );
  }
  const compression = sniffCompression(data);
  let tar = data;
  try {
    if (compression !== 'none') {
      tar = await collect(decompress(chunksOf([data]), { digest: source, maxBytes: maxArchiveBytes }));
    }
  } catch (error) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `${req.where}: ${source}: ${(error as Error).message}`);
  }
  if (!looksLikeTar(tar)) return false;
  try {
    for await (const entry of readTar(chunksOf([tar]), { digest: source, maxBytes: maxArchiveBytes })) {
      const name = cleanRelative(entry.name);
      if (name === undefined)
        fail('ERR_INVALID_ARGUMENT', req.where, `${source}: entry "${entry.name}" leaves the destination`);
      if (name === '') continue;
      const target = joinPath(destDir, name);
      checkName(target, req.where);
      if (entry.type === 'dir') layer.set(target, { kind: 'dir', mode: entry.mode });
      else if (entry.type === 'file')
        layer.set(target, { kind: 'file', mode: entry.mode, data: await collect(entry.body) });
      else if (entry.type === 'symlink') layer.set(target, { kind: 'symlink', target: entry.linkname });
      else if (entry.type === 'hardlink') {
        const linked = cleanRelative(entry.linkname);
        if (linked === undefined || !layer.entries.has(joinPath(destDir, linked))) {
          fail(
            'ERR_INVALID_ARGUMENT',
            req.where,
            `${source}: hard link "${entry.name}" to a missing "${entry.linkname}"`,
          );
        }
        layer.set(target, { kind: 'hardlink', target: joinPath(destDir, linked) });
      } else {
        fail('ERR_NOT_SUPPORTED', req.where, `${source}: entry "${entry.name}" is a device or fifo`);
      }
    }
  } catch (error) {
    if (error instanceof RuntimeError && error.message.startsWith(req.where)) throw error;
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `${req.where}: ${source}: ${(error as Error).message}`);
  }
  return true;
}
