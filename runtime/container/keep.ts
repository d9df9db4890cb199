// Keeping a container after its guest exits (`run --name`): its writable layer saved as a tar and
// its record written to a container store, so diff, cp and rm work in later processes.

import { type HasherFactory, nobleSha256 } from '../core/digest.js';
import { MediaTypes } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';
import type { LoadedImage } from '../image/images.js';
import type { Overlay } from '../vfs/overlay.js';
import { exportUpper } from './export-upper.js';
import { type ContainerRecord, nameConflict, newContainerId, parseContainerName } from './record.js';
import type { ContainerCommand } from './spec.js';
import type { ContainerStore } from './store.js';

export interface KeepRequest {
  /** `--name`; docker's charset, a leading "/" is dropped. */
  name: string;
  /** The image the container ran (from `loadImage`). */
  image: LoadedImage;
  /** What ran (from `resolveCommand`). */
  command: ContainerCommand;
  exitCode: number;
  /** The container's root: its upper layer is what gets saved. */
  overlay?: Overlay;
  /** Instead of `overlay`: its upper layer already exported with `exportUpper` (compression
   * 'none'), e.g. by a vm-isolation worker whose root lives in its own realm. */
  upperTar?: Iterable<Uint8Array>;
  /** When the container was created; default: the `now` option's time. */
  created?: Date;
}

export interface KeepOptions {
  /** Clock for `finished` (and `created` when not given). Default: the wall clock. */
  now?: () => Date;
  /** sha256 for the saved layer's digest; default: the pure-JS one. */
  createHasher?: HasherFactory;
}

/**
 * Fails early with docker's ERR_CONFLICT message when `name` is taken (or ERR_INVALID_ARGUMENT
 * when it is not a valid name). Call it before starting the guest; `keepContainer` claims the
 * name atomically afterwards, so a run that raced for the same name fails there.
 */
export async function checkNameFree(containers: ContainerStore, name: string): Promise<void> {
  const valid = parseContainerName(name);
  const holder = await containers.idOfName(valid);
  if (holder !== undefined) throw nameConflict(valid, holder);
}

/** Saves an exited container under `request.name` and returns its record (state 'exited'). */
export async function keepContainer(
  containers: ContainerStore,
  request: KeepRequest,
  options: KeepOptions = {},
): Promise<ContainerRecord> {
  const name = parseContainerName(request.name);
  const tar = request.upperTar ?? (request.overlay ? exportUpper(request.overlay) : undefined);
  if (!tar)
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `container ${name}: no overlay or upper layer to keep`);
  const now = options.now ?? (() => new Date());
  const hasher = (options.createHasher ?? nobleSha256)();
  const upper: Uint8Array[] = [];
  let size = 0;
  for (const chunk of tar) {
    hasher.update(chunk);
    upper.push(chunk);
    size += chunk.length;
  }
  const { image, command } = request;
  const record: ContainerRecord = {
    id: newContainerId(),
    name,
    image: { name: image.record.name, digest: image.record.digest },
    // Raw wasm packagings run without a file system from the image (see image-root.ts).
    layers: image.wasm ? [] : image.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType })),
    argv: [...command.argv],
    env: [...command.env].map(([k, v]) => `${k}=${v}`),
    workdir: command.workdir,
    state: 'exited',
    created: (request.created ?? now()).toISOString(),
    finished: now().toISOString(),
    exitCode: request.exitCode,
    upper: { mediaType: MediaTypes.ociLayer, digest: hasher.digest(), size },
  };
  await containers.create(record, upper);
  return record;
}
