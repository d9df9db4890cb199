// What `wasmbox run IMAGE` starts from: the image found (or pulled, per --pull) in the local store,
// its copy-on-write root, the command from its config with docker's overrides, and the program.

import { imageLayerBlobs, imageOverlay, imageProgramBytes, imageRunConfig } from '../container/image-root.js';
import { type ContainerCommand, resolveCommand } from '../container/spec.js';
import { RuntimeError } from '../errors.js';
import { ensureImage, type LoadedImage, loadImage, type PullPolicy } from '../image/images.js';
import { pullImage } from '../image/pull.js';
import type { LayerBlob } from '../isolation/types.js';
import { nodeFileApi } from '../platform/node/file-api.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { LayerTreeCache } from '../unpack/cache.js';
import type { Overlay } from '../vfs/overlay.js';
import { openImageEnv, type RegistryFlags } from './image-env.js';
import { showPull } from './pull-progress.js';
import { plainView } from './transfer-view.js';

export interface ImageRunFlags extends RegistryFlags {
  pull?: string;
  platform?: string;
  quiet?: boolean;
  entrypoint?: string;
}

export interface ImageProgram {
  image: LoadedImage;
  command: ContainerCommand;
  bytes: Uint8Array;
  /** The container's root: the image's layer trees under a fresh writable layer. */
  root: Overlay;
  /** The layer blobs, for a realm (a vm worker) that builds its own root. */
  layers(): Promise<LayerBlob[]>;
}

function pullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined) return 'missing';
  if (value === 'missing' || value === 'always' || value === 'never') return value;
  throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid --pull "${value}": use missing, always or never`);
}

/**
 * Order: parse the reference (before any network) → find it in the store, pulling per policy
 * (local `oci:` layouts are always read again: they are cheap and may have been rebuilt) → load
 * manifest and config → unpack layers (cached per chain) into an overlay → read argv[0].
 */
export async function prepareImage(
  target: string,
  overrides: { args: string[]; env: Map<string, string>; workdir?: string },
  flags: ImageRunFlags,
): Promise<ImageProgram> {
  const policy = pullPolicy(flags.pull);
  const ref = parseReference(target);
  const env = await openImageEnv(flags);
  await ensureImage(env.store, ref, policy, (missing) => {
    if (missing && !flags.quiet) process.stderr.write(`Unable to find image '${target}' locally\n`);
    // Lines, not bars: the guest's output follows on the same terminal.
    const view =
      flags.quiet || ref.transport !== 'registry'
        ? undefined
        : plainView((line) => process.stderr.write(`${line}\n`));
    return pullImage(ref, {
      ...env,
      files: nodeFileApi,
      createHasher: nodeSha256,
      ...(flags.platform ? { platform: flags.platform } : {}),
      ...(view ? { onProgress: showPull(view) } : {}),
    });
  });
  const image = await loadImage(env.store, formatReference(ref));
  const command = resolveCommand(imageRunConfig(image), {
    ...(flags.entrypoint !== undefined ? { entrypoint: [flags.entrypoint] } : {}),
    args: overrides.args,
    env: overrides.env,
    ...(overrides.workdir ? { workdir: overrides.workdir } : {}),
  });
  const root = await imageOverlay(env.store, image, new LayerTreeCache());
  const bytes = await imageProgramBytes(env.store, image, root.root, command.argv[0]!);
  return {
    image,
    command,
    bytes,
    root,
    layers: () => imageLayerBlobs(env.store, image),
  };
}
