// An ingest held in memory until commit, for stores that keep whole blobs (memory.ts, the
// browser's idb-store.ts): chunks are copied as they come, verified (size, sha256) at commit,
// then handed to `keep` as one array. Nothing is kept when they do not check out.

import type { HasherFactory } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import { type BlobInfo, type BlobWriter, digestMismatch, sizeMismatch } from './store.js';

export function bufferedWriter(
  expected: BlobInfo,
  createHasher: HasherFactory,
  keep: (bytes: Uint8Array) => void | Promise<void>,
): BlobWriter {
  let chunks: Uint8Array[] = [];
  let offset = 0;
  let hasher = createHasher();
  let closed = false;
  return {
    get offset() {
      return offset;
    },
    // Each chunk is copied: the caller may reuse its buffer once a write resolves.
    copies: true,
    async write(chunk) {
      if (closed) throw new RuntimeError('ERR_INVALID_ARGUMENT', `ingest of ${expected.digest} is closed`);
      chunks.push(chunk.slice());
      offset += chunk.length;
      hasher.update(chunk);
    },
    async reset() {
      chunks = [];
      offset = 0;
      hasher = createHasher();
    },
    async commit() {
      if (closed) return;
      closed = true;
      const parts = chunks;
      chunks = [];
      if (offset !== expected.size) throw sizeMismatch(expected, offset);
      const actual = hasher.digest();
      if (actual !== expected.digest) throw digestMismatch(expected, actual);
      const bytes = new Uint8Array(offset);
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
      await keep(bytes);
    },
    async abort() {
      closed = true;
      chunks = [];
    },
  };
}
