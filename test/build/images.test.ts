// The committed sample images (images/<name>/) are what `wasmbox build` makes from
// images/src/<name>/Containerfile: rebuilt here the way images/src/build-layouts.sh does, the
// layout must match byte for byte (index.json and every blob).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../runtime/build/build.js';
import { planLayout, writeLayout } from '../../runtime/build/export.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { nodeBuildContext } from '../../runtime/platform/node/build-context.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { repoRoot } from '../fixtures/images.js';
import { cleanup, temp } from './helpers.js';

afterAll(cleanup);

const images = join(repoRoot, 'images');

function layoutFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of ['index.json', 'oci-layout']) out.set(name, readFileSync(join(dir, name)));
  for (const blob of readdirSync(join(dir, 'blobs', 'sha256')).sort()) {
    out.set(`blobs/sha256/${blob}`, readFileSync(join(dir, 'blobs', 'sha256', blob)));
  }
  return out;
}

describe('images/ are built by wasmbox build', () => {
  for (const name of ['hello', 'cat', 'ls', 'fsx', 'echo-lines']) {
    it(`images/${name} matches a rebuild of images/src/${name}/Containerfile`, async () => {
      const store = new MemoryStore({ createHasher: nodeSha256 });
      const result = await buildImage({
        store,
        context: nodeBuildContext(join(images, 'wasm')),
        containerfile: readFileSync(join(images, 'src', name, 'Containerfile'), 'utf8'),
        tags: [`localhost/wasmbox/${name}:latest`],
        sourceDateEpoch: 0,
        createHasher: nodeSha256,
      });
      const out = join(temp, `layout-${name}`);
      await writeLayout(store, await planLayout(store, result.records), nodeFileApi, out);
      const committed = layoutFiles(join(images, name));
      const rebuilt = layoutFiles(out);
      expect([...rebuilt.keys()]).toEqual([...committed.keys()]);
      for (const [path, bytes] of rebuilt) expect(bytes.equals(committed.get(path)!), path).toBe(true);
      const index = JSON.parse(committed.get('index.json')!.toString());
      expect(index.manifests[0].digest).toBe(result.digest);
      expect(index.manifests[0].annotations['org.opencontainers.image.ref.name']).toBe('latest');
    });
  }
});
