// `wasmbox push NAME[:TAG]`: uploads a local image to the registry its name points at, skipping
// blobs the registry has and mounting ones another of its repositories has; progress as pull's
// (bars on a terminal, docker's lines elsewhere).

import type { Command } from 'commander';
import { RuntimeError } from '../errors.js';
import { type PushEvent, pushImage } from '../image/push.js';
import { addRegistryFlags, openImageEnv, type RegistryFlags } from './image-env.js';
import type { VerbContext } from './main.js';
import { type TransferView, transferView } from './transfer-view.js';

interface PushFlags extends RegistryFlags {
  quiet?: boolean;
  chunkSize?: string;
}

/** A push's events on a transfer view, in docker push's words. */
function showPush(view: TransferView): (event: PushEvent) => void {
  return (event) => {
    if (event.type === 'bytes') view.advance(event.digest, event.bytes);
    else if (event.type !== 'blob') return;
    else if (event.status === 'uploading') view.start(event.digest, event.size, 'Pushing');
    else if (event.status === 'exists') view.finish(event.digest, event.size, 'Layer already exists');
    else if (event.status === 'mounted') view.finish(event.digest, event.size, `Mounted from ${event.from}`);
    else view.finish(event.digest, event.size, 'Pushed');
  };
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
    const view = await transferView(process.stderr, flags.quiet);
    const result = await pushImage(image, {
      ...env,
      ...(chunk ? { monolithicLimit: chunk, chunkSize: chunk } : {}),
      ...(view ? { onProgress: showPush(view) } : {}),
    }).finally(() => view?.stop());
    process.stdout.write(
      flags.quiet ? `${result.digest}\n` : `${result.name}: digest: ${result.digest} size: ${result.size}\n`,
    );
    ctx.setExit(0);
  });
}
