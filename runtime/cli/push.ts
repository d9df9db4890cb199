// `wasmbox push NAME[:TAG]`: uploads a local image to the registry its name points at, skipping
// blobs the registry has and mounting ones another of its repositories has.

import type { Command } from 'commander';
import { RuntimeError } from '../errors.js';
import { type PushEvent, pushImage } from '../image/push.js';
import { addRegistryFlags, formatSize, openImageEnv, type RegistryFlags } from './image-env.js';
import type { VerbContext } from './main.js';

interface PushFlags extends RegistryFlags {
  quiet?: boolean;
  chunkSize?: string;
}

const short = (digest: string) => digest.slice(7, 19);

/** Docker's push lines, one per blob event, so logs and terminals read the same. */
function describe(event: PushEvent): string | undefined {
  if (event.type !== 'blob') return undefined;
  switch (event.status) {
    case 'exists':
      return `${short(event.digest)}: Layer already exists`;
    case 'mounted':
      return `${short(event.digest)}: Mounted from ${event.from}`;
    case 'uploading':
      return `${short(event.digest)}: Pushing ${formatSize(event.size)}`;
    case 'done':
      return `${short(event.digest)}: Pushed`;
  }
}

export function registerPush(program: Command, ctx: VerbContext): void {
  addRegistryFlags(
    program
      .command('push')
      .description('upload a local image to a registry')
      .argument('<image>', 'a local image named HOST/NAME:TAG (see wasmbox tag)')
      .option('--chunk-size <bytes>', 'upload blobs larger than this in chunks of this size (default 32 MiB)')
      .option('-q, --quiet', 'print only the pushed digest'),
  ).action(async (image: string, flags: PushFlags) => {
    const env = await openImageEnv(flags);
    const chunk = flags.chunkSize === undefined ? undefined : Number(flags.chunkSize);
    if (chunk !== undefined && !(Number.isSafeInteger(chunk) && chunk > 0)) {
      throw new RuntimeError(
        'ERR_INVALID_ARGUMENT',
        `--chunk-size ${flags.chunkSize}: expected a number of bytes`,
      );
    }
    const result = await pushImage(image, {
      ...env,
      ...(chunk ? { monolithicLimit: chunk, chunkSize: chunk } : {}),
      onProgress: (event) => {
        const line = flags.quiet ? undefined : describe(event);
        if (line) process.stderr.write(`${line}\n`);
      },
    });
    process.stdout.write(
      flags.quiet ? `${result.digest}\n` : `${result.name}: digest: ${result.digest} size: ${result.size}\n`,
    );
    ctx.setExit(0);
  });
}
