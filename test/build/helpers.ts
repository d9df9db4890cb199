// Helpers for build tests: contexts written to temp dirs, on-disk stores, and a built image's
// file tree (its layers applied by the same code that unpacks pulled images).

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImageFs } from '../../runtime/build/image-fs.js';
import { OciLayoutStore } from '../../runtime/content/oci-layout.js';
import type { Store } from '../../runtime/content/store.js';
import { loadImage } from '../../runtime/image/images.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';

export const temp = mkdtempSync(join(tmpdir(), 'wasmbox-build-'));
let n = 0;

export function cleanup(): void {
  rmSync(temp, { recursive: true, force: true });
}

export function newStore(): OciLayoutStore {
  return new OciLayoutStore(join(temp, `store${n++}`), nodeFileApi, { createHasher: nodeSha256 });
}

/** A context directory from `{path: content}`; `{ symlink: target }` makes a symlink, mode via [data, mode]. */
export function makeContext(
  files: Record<string, string | Uint8Array | { symlink: string } | [string | Uint8Array, number]>,
): string {
  const dir = join(temp, `ctx${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (path.endsWith('/')) continue;
    if (typeof content === 'object' && 'symlink' in content) symlinkSync(content.symlink, full);
    else if (Array.isArray(content)) writeFileSync(full, content[0], { mode: content[1] });
    else writeFileSync(full, content, { mode: 0o644 });
  }
  return dir;
}

/** The image's file tree, every layer applied from the store. */
export async function imageTree(store: Store, name: string): Promise<ImageFs> {
  const image = await loadImage(store, name);
  const fs = new ImageFs();
  for (const layer of image.layers) await fs.applyStored(store, layer);
  return fs;
}

export function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes && new TextDecoder().decode(bytes);
}
