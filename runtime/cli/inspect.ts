// `wasmbox inspect IMAGE`: the image as JSON: record, manifest, config, platform, packaging.

import type { Command } from 'commander';
import { recordAnnotations } from '../content/store.js';
import { imageSize, loadImage } from '../image/images.js';
import { openImageEnv } from './image-env.js';
import type { VerbContext } from './main.js';

export function registerInspect(program: Command, ctx: VerbContext): void {
  program
    .command('inspect')
    .description('show a pulled image as JSON')
    .argument('<image>', 'name or manifest digest')
    .action(async (image: string) => {
      const { store } = await openImageEnv();
      const loaded = await loadImage(store, image);
      const { kind: _, ...manifest } = loaded.manifest;
      const out = {
        name: loaded.record.name,
        digest: loaded.record.digest,
        sourceDigest: loaded.record.annotations[recordAnnotations.sourceDigest],
        platform: loaded.platform,
        packaging: loaded.packaging,
        size: await imageSize(store, loaded.record),
        created: loaded.record.annotations[recordAnnotations.created],
        pulled: loaded.record.annotations[recordAnnotations.pulledAt],
        manifest: { schemaVersion: 2, ...manifest },
        config: loaded.config ?? null,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      ctx.setExit(0);
    });
}
