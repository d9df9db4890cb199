// `wasmbox load -i FILE`: the images of an OCI archive (wasmbox save, skopeo, docker save) into
// the local store, verified blob by blob.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadArchive } from '../build/load.js';
import { nodeFileApi } from '../platform/node/file-api.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { openNodeStore } from '../platform/node/images.js';
import type { VerbContext } from './main.js';

interface LoadFlags {
  input: string;
  quiet?: boolean;
}

export function registerLoad(program: Command, ctx: VerbContext): void {
  program
    .command('load')
    .description('load images from an OCI archive into the local store')
    .requiredOption('-i, --input <file>', 'the archive to read')
    .option('-q, --quiet', 'print only image names')
    .action(async (flags: LoadFlags) => {
      const records = await loadArchive(resolve(flags.input), {
        store: openNodeStore(process.env),
        files: nodeFileApi,
        createHasher: nodeSha256,
        onWarning: (message) => process.stderr.write(`wasmbox: warning: ${message}\n`),
      });
      for (const record of records) {
        process.stdout.write(flags.quiet ? `${record.name}\n` : `Loaded image: ${record.name}\n`);
      }
      ctx.setExit(0);
    });
}
