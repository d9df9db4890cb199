// `wasmbox save -o FILE IMAGE...`: images as an OCI archive (a tar of an OCI image layout), or
// with --layout as the layout directory itself.

import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ociArchive, planLayout, writeLayout } from '../build/export.js';
import type { ImageRecord } from '../content/store.js';
import { RuntimeError } from '../errors.js';
import { findImage } from '../image/images.js';
import { nodeFileApi } from '../platform/node/file-api.js';
import { openNodeStore } from '../platform/node/images.js';
import type { VerbContext } from './main.js';

interface SaveFlags {
  output: string;
  layout?: boolean;
}

export function registerSave(program: Command, ctx: VerbContext): void {
  program
    .command('save')
    .description('write images to an OCI archive (oci-archive:FILE for skopeo, wasmbox load -i FILE)')
    .argument('<images...>', 'names or manifest digests')
    .requiredOption('-o, --output <file>', 'the archive to write')
    .option('--layout', 'write an OCI image layout directory instead of an archive')
    .action(async (images: string[], flags: SaveFlags) => {
      const store = openNodeStore(process.env);
      const records: ImageRecord[] = [];
      for (const image of images) {
        const record = await findImage(store, image);
        if (!record) throw new RuntimeError('ERR_NOT_FOUND', `image ${image} is not in the local store`);
        if (!records.some((r) => r.name === record.name)) records.push(record);
      }
      const plan = await planLayout(store, records);
      const output = resolve(flags.output);
      if (flags.layout) {
        await writeLayout(store, plan, nodeFileApi, output);
      } else {
        // Written beside the target and renamed in: a failed save leaves no half archive.
        const temp = `${output}.tmp-${process.pid}`;
        try {
          await pipeline(Readable.from(ociArchive(store, plan)), createWriteStream(temp));
          await rename(temp, output);
        } catch (error) {
          await rm(temp, { force: true });
          if (error instanceof RuntimeError) throw error;
          throw new RuntimeError('ERR_HOST_IO', `${flags.output}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      ctx.setExit(0);
    });
}
