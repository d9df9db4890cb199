// `wasmbox rmi IMAGE...`: removes image records and the blobs no other image uses.

import type { Command } from 'commander';
import { removeImage } from '../image/images.js';
import { openImageEnv } from './image-env.js';
import type { VerbContext } from './main.js';

export function registerRmi(program: Command, ctx: VerbContext): void {
  program
    .command('rmi')
    .description('remove images from the local store')
    .argument('<images...>', 'names or manifest digests (a 12-digit prefix is enough)')
    .action(async (images: string[]) => {
      const { store } = await openImageEnv();
      for (const image of images) {
        const { name, removed } = await removeImage(store, image);
        process.stdout.write(`Untagged: ${name}\n`);
        for (const blob of removed) process.stdout.write(`Deleted: ${blob.digest}\n`);
      }
      ctx.setExit(0);
    });
}
