// A container's writable layer handed back with its exit (`spec.returnUpper`), in whichever realm
// ran the guest: which root to build so there is a layer to return, and its export as tar chunks.

import { exportUpper } from '../container/export-upper.js';
import { RuntimeError } from '../errors.js';
import type { MemFs } from '../vfs/mem.js';
import { Overlay } from '../vfs/overlay.js';

/**
 * The root a container starts on: the given one, else the image's overlay, else (only when the
 * upper layer is to be returned) an overlay with no lower layers, whose upper holds everything
 * written; a plain fresh tree otherwise, as before.
 */
export function rootFor(
  given: MemFs | Overlay | undefined,
  image: Overlay | undefined,
  returnUpper: boolean | undefined,
): MemFs | Overlay | undefined {
  const root = given ?? image;
  if (!returnUpper) return root;
  checkUpperRoot(root);
  return root ?? new Overlay();
}

/** Refuses a root with no writable layer to return (a plain in-memory tree). */
export function checkUpperRoot(root: MemFs | Overlay | undefined): void {
  if (root === undefined || root instanceof Overlay) return;
  throw new RuntimeError(
    'ERR_NOT_SUPPORTED',
    'returnUpper needs an overlay root: a plain in-memory root (spec.root) has no writable layer to return',
  );
}

/** The upper layer of `root` as uncompressed tar chunks, each the sole user of its buffer. */
export function takeUpper(root: MemFs | Overlay | undefined): Uint8Array[] | undefined {
  if (!(root instanceof Overlay)) return undefined;
  const chunks: Uint8Array[] = [];
  for (const chunk of exportUpper(root)) {
    // The last batch is a view of a larger buffer: copy it, so a transfer moves only its bytes.
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    chunks.push(whole ? chunk : chunk.slice());
  }
  return chunks;
}

/** The buffers to transfer with `chunks` (each once: a buffer listed twice fails the post). */
export function transferList(chunks: readonly Uint8Array[]): ArrayBuffer[] {
  return [...new Set(chunks.map((c) => c.buffer as ArrayBuffer))];
}
