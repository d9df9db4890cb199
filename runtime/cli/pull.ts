// `wasmbox pull IMAGE`: fetches an image into the local store, with progress like docker pull.

import type { Command } from 'commander';
import { pullImage } from '../image/pull.js';
import { nodeFileApi } from '../platform/node/file-api.js';
import { addRegistryFlags, openImageEnv, type RegistryFlags } from './image-env.js';
import type { VerbContext } from './main.js';
import { showPull } from './pull-progress.js';
import { transferView } from './transfer-view.js';

interface PullFlags extends RegistryFlags {
  platform?: string;
  quiet?: boolean;
}

export function registerPull(program: Command, ctx: VerbContext): void {
  addRegistryFlags(
    program
      .command('pull')
      .description('download an image from a registry (or an oci: layout) into the local store')
      .argument('<image>', 'e.g. ghcr.io/owner/app:tag, localhost:5000/x@sha256:…, oci:DIR:TAG')
      .option('--platform <os/arch>', 'pick this platform from a multi-platform image')
      .option('-q, --quiet', 'print only the image name'),
  ).action(async (image: string, flags: PullFlags) => {
    const env = await openImageEnv(flags);
    const view = await transferView(process.stderr, flags.quiet);
    try {
      const record = await pullImage(image, {
        ...env,
        files: nodeFileApi,
        // Manifests and configs (small, in memory) are checked by the portable sha256: node:crypto
        // then loads with the first blob ingest, while its request is out, not before the manifest.
        ...(flags.platform ? { platform: flags.platform } : {}),
        ...(view ? { onProgress: showPull(view) } : {}),
      });
      view?.stop();
      if (!flags.quiet) process.stderr.write(`Digest: ${record.digest}\n`);
      process.stdout.write(`${record.name}\n`);
      ctx.setExit(0);
    } finally {
      view?.stop();
    }
  });
}
