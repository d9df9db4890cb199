// `wasmbox image prune`: deletes blobs no image refers to, and what killed pulls left behind.

import type { Command } from 'commander';
import { pruneBlobs } from '../image/images.js';
import { formatSize, openImageEnv } from './image-env.js';
import type { VerbContext } from './main.js';

/** Ingest files older than this cannot belong to a pull still running. */
const staleIngestMs = 60 * 60 * 1000;

export function registerImage(program: Command, ctx: VerbContext): void {
  const image = program.command('image').description('manage images');
  image
    .command('prune')
    .description('remove blobs that no image refers to')
    .action(async () => {
      const { store } = await openImageEnv();
      const { removed, reclaimedBytes } = await pruneBlobs(store);
      if ('removeStaleIngests' in store && typeof store.removeStaleIngests === 'function') {
        await store.removeStaleIngests(staleIngestMs);
      }
      for (const blob of removed) process.stdout.write(`Deleted: ${blob.digest}\n`);
      process.stdout.write(`Total reclaimed space: ${formatSize(reclaimedBytes)}\n`);
      ctx.setExit(0);
    });
}
