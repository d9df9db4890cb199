// A file node's whole content in one array: for the few places that want a file at once (image
// programs, build contexts, `container.fs.readFile`, the playground's downloads).

import type { FileNode } from './types.js';

/** Reads until the end (a read may return less than asked, e.g. on a host mount). */
export function readWholeFile(file: FileNode): Uint8Array {
  const handle = file.open(false);
  try {
    const bytes = new Uint8Array(handle.size());
    let at = 0;
    while (at < bytes.length) {
      const n = handle.read(bytes.subarray(at), at);
      if (n === 0) break;
      at += n;
    }
    return at === bytes.length ? bytes : bytes.slice(0, at);
  } finally {
    handle.close();
  }
}
