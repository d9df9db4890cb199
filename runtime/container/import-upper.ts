// Rebuilds a container's writable layer from the tar export-upper.ts wrote: entries go into the
// overlay's upper tree, `.wh.NAME` and `.wh..wh..opq` become its whiteouts again.

import { layerError } from '../unpack/errors.js';
import { readTar } from '../unpack/tar.js';
import { FileData } from '../vfs/file-data.js';
import { MemDir, MemFile, MemSymlink } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Loads the upper-layer tar in `chunks` into `overlay`, which must be fresh (nothing read through
 * it yet: its directory nodes are made on first access). `digest` names the tar in errors.
 */
export async function loadUpper(
  overlay: Overlay,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  digest: string,
): Promise<void> {
  const { upper } = overlay;
  const root = upper.fs.root;
  const times: Array<[MemDir | MemFile | MemSymlink, bigint, bigint]> = [];
  const source = (async function* () {
    yield* chunks;
  })();
  for await (const entry of readTar(source, { digest, maxBytes: Number.MAX_SAFE_INTEGER })) {
    const names = entry.name.split('/').filter((n) => n !== '' && n !== '.');
    if (names.includes('..')) layerError('ERR_LAYER_INVALID', digest, entry.name, "'..' in name");
    const name = names.pop();
    const at = (path: string[]) => {
      let dir: MemDir = root;
      for (const n of path) {
        const next = dir.get(n);
        if (!(next instanceof MemDir) || next.fs !== upper.fs) {
          return layerError('ERR_LAYER_INVALID', digest, entry.name, 'its directory is not in the layer');
        }
        dir = next;
      }
      return dir;
    };
    if (name === undefined) {
      if (entry.type === 'dir') times.push(meta(root, entry));
      continue;
    }
    const parent = at(names);
    if (name === OPAQUE) {
      const dirName = names.pop();
      if (dirName !== undefined) upper.hide(at(names), dirName);
      continue;
    }
    if (name.startsWith(WHITEOUT)) {
      upper.hide(parent, name.slice(WHITEOUT.length));
      continue;
    }
    if (parent.get(name)) layerError('ERR_LAYER_INVALID', digest, entry.name, 'duplicate entry');
    switch (entry.type) {
      case 'dir':
        times.push(meta(parent.mkdir(name, entry.mode), entry));
        break;
      case 'symlink':
        times.push(meta(parent.symlink(name, entry.linkname), entry));
        break;
      case 'hardlink': {
        const path = entry.linkname.split('/').filter((n) => n !== '' && n !== '.');
        const targetName = path.pop();
        const target = targetName === undefined ? undefined : at(path).get(targetName);
        if (!(target instanceof MemFile || target instanceof MemSymlink)) {
          layerError(
            'ERR_LAYER_INVALID',
            digest,
            entry.name,
            `hard link target "${entry.linkname}" not found`,
          );
        }
        parent.link(name, target);
        break;
      }
      case 'file': {
        const data = new FileData();
        let offset = 0;
        for await (const piece of entry.body) offset += data.write(piece, offset);
        const file = parent.createFile(name, entry.mode);
        file.data = data;
        times.push(meta(file, entry));
        break;
      }
      default:
        layerError('ERR_LAYER_INVALID', digest, entry.name, `unexpected ${entry.type} entry`);
    }
  }
  // Last, as adding entries and links moves the times of directories and linked nodes.
  for (const [node, atime, mtime] of times) {
    node.atime = atime;
    node.mtime = mtime;
    node.ctime = mtime;
  }
}

function meta(
  node: MemDir | MemFile | MemSymlink,
  entry: { mode: number; uid: number; gid: number; mtime: bigint; atime: bigint | undefined },
): [MemDir | MemFile | MemSymlink, bigint, bigint] {
  node.mode = node.kind === 'symlink' ? 0o777 : entry.mode;
  node.uid = entry.uid;
  node.gid = entry.gid;
  return [node, entry.atime ?? entry.mtime, entry.mtime];
}
