// OCI archives (`oci-archive:FILE[:TAG]`, `wasmbox load`): a tar of an OCI image layout, read
// into memory once and served as a read-only layout, so the `oci:` source pulls from it unchanged.

import type { FileApi } from '../content/file-api.js';
import { collectBytes as collect } from '../core/bytes.js';
import { RuntimeError } from '../errors.js';
import type { LayoutReference } from '../reference/reference.js';
import { readTar } from '../unpack/tar.js';
import { type ImageSource, layoutSource } from './source.js';

/** Archives larger than this are refused (they are held in memory). */
const maxArchiveBytes = 4 * 1024 ** 3;

/**
 * Reads the archive's regular files into a read-only FileApi where they appear under `root`
 * (`root/index.json`, `root/blobs/sha256/…`). Writes through it are refused.
 */
export async function readOciArchive(
  chunks: AsyncIterable<Uint8Array>,
  root: string,
  where: string,
): Promise<FileApi> {
  const files = new Map<string, Uint8Array>();
  try {
    for await (const entry of readTar(chunks, { digest: where, maxBytes: maxArchiveBytes })) {
      if (entry.type !== 'file') continue;
      const name = entry.name.replace(/^(\.\/)+|^\/+/, '');
      files.set(`${root}/${name}`, await collect(entry.body));
    }
  } catch (error) {
    if (error instanceof RuntimeError) {
      throw new RuntimeError(error.code, `${where}: not a readable OCI archive: ${error.message}`);
    }
    throw error;
  }
  if (!files.has(`${root}/index.json`)) {
    throw new RuntimeError('ERR_BAD_MANIFEST', `${where}: not an OCI archive (no index.json)`);
  }
  const readOnly = (): never => {
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${where}: an OCI archive is read-only`);
  };
  return {
    read: async (path) => files.get(path),
    async *readChunks(path) {
      const data = files.get(path);
      if (data) yield data;
    },
    stat: async (path) => {
      const data = files.get(path);
      return data ? { size: data.length, mtimeMs: 0 } : undefined;
    },
    createExclusive: readOnly,
    create: readOnly,
    rename: readOnly,
    remove: readOnly,
    mkdirp: readOnly,
    list: async (dir) =>
      [...files.keys()]
        .filter((p) => p.startsWith(`${dir}/`))
        .map((p) => p.slice(dir.length + 1).split('/')[0]!)
        .filter((n, i, all) => all.indexOf(n) === i),
  };
}

/** `oci-archive:FILE[:TAG]`: the archive file is read through `files` on first use. */
export function archiveSource(files: FileApi, ref: LayoutReference): ImageSource {
  let inner: Promise<ImageSource> | undefined;
  const open = () => {
    inner ??= (async () => {
      if (!(await files.stat(ref.path))) {
        throw new RuntimeError('ERR_NOT_FOUND', `oci-archive:${ref.path}: no such file`);
      }
      const layout = await readOciArchive(files.readChunks(ref.path), ref.path, `oci-archive:${ref.path}`);
      return layoutSource(layout, { transport: 'oci', path: ref.path, ...(ref.tag ? { tag: ref.tag } : {}) });
    })();
    return inner;
  };
  return {
    resolve: async () => (await open()).resolve(),
    manifest: async (desc) => (await open()).manifest(desc),
    blob: async (desc, sink, onBytes) => (await open()).blob(desc, sink, onBytes),
  };
}
