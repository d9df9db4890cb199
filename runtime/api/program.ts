// What a container runs, from whatever the caller named: an image reference (found in the store,
// or pulled per policy), module bytes, or a compiled WebAssembly.Module. For an image: its command
// (docker's override rules), its copy-on-write root, and the layer blobs a vm worker unpacks.

import { imageLayerBlobs, imageOverlay, imageProgramBytes, imageRunConfig } from '../container/image-root.js';
import { resolveCommand } from '../container/spec.js';
import type { Store } from '../content/store.js';
import { detectWasm, type WasmKind } from '../engine/detect.js';
import { RuntimeError } from '../errors.js';
import { ensureImage, loadImage } from '../image/images.js';
import type { LayerBlob } from '../isolation/types.js';
import { formatReference, type ImageReference, parseReference } from '../reference/reference.js';
import type { LayerTreeCache } from '../unpack/cache.js';
import type { Overlay } from '../vfs/overlay.js';
import { raceAbort, throwIfAborted } from './abort.js';
import type { CreateOptions, PullOptions } from './options.js';

/** Anything `runtime.run` accepts as the thing to run. */
export type RunTarget = string | Uint8Array | ArrayBuffer | WebAssembly.Module;

export interface Program {
  kind: 'module' | 'component';
  /** The binary; undefined only when the caller gave a compiled module. */
  bytes?: Uint8Array;
  module?: WebAssembly.Module;
  argv: string[];
  env: Map<string, string>;
  workdir: string;
  /** The canonical image name when the program came from an image. */
  image?: string;
  /** The image's root for this container (its own writable layer); absent for bare modules. */
  root?: Overlay;
  /** The image's layer blobs bottom first, for a realm (a vm worker) that builds its own root. */
  layers?: () => Promise<LayerBlob[]>;
}

export interface ProgramContext {
  store: Store;
  layers: LayerTreeCache;
  pull(ref: ImageReference, options: PullOptions): Promise<unknown>;
}

function wasmKind(bytes: Uint8Array, label: string): WasmKind {
  try {
    return detectWasm(bytes);
  } catch (error) {
    if (error instanceof RuntimeError) throw new RuntimeError(error.code, `${label}: ${error.message}`);
    throw error;
  }
}

/** Bare modules: argv[0] then the args; env exactly as given; "/" unless cwd says otherwise. */
function bareProgram(target: Exclude<RunTarget, string>, options: CreateOptions): Program {
  const argv = [...(options.entrypoint ?? [options.name ?? 'main.wasm']), ...(options.args ?? [])];
  const env = new Map(Object.entries(options.env ?? {}));
  const workdir = options.cwd ?? '/';
  if (target instanceof WebAssembly.Module) return { kind: 'module', module: target, argv, env, workdir };
  const bytes = target instanceof Uint8Array ? target : new Uint8Array(target);
  return { kind: wasmKind(bytes, argv[0]!), bytes, argv, env, workdir };
}

/**
 * Order: parse the reference (before any I/O) → find it in the store, pulling per policy (local
 * `oci:` layouts are read again every time: cheap, and they may have been rebuilt) → load the
 * manifest and config → the command → unpack the layers (cached per chain) → read argv[0].
 */
export async function resolveProgram(
  target: RunTarget,
  options: CreateOptions,
  context: ProgramContext,
): Promise<Program> {
  if (typeof target !== 'string') return bareProgram(target, options);
  const signal = options.signal;
  const ref = parseReference(target);
  const name = formatReference(ref);
  const what = `create from ${name}`;
  const policy = options.pull ?? 'missing';
  if (policy !== 'missing' && policy !== 'always' && policy !== 'never') {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `invalid pull policy "${policy}": use missing, always or never`,
    );
  }
  throwIfAborted(signal, what);
  await ensureImage(context.store, ref, policy, () =>
    context.pull(ref, {
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
    }),
  );
  const image = await raceAbort(loadImage(context.store, name), signal, what);
  const command = resolveCommand(imageRunConfig(image), {
    ...(options.entrypoint ? { entrypoint: [...options.entrypoint] } : {}),
    ...(options.args ? { args: [...options.args] } : {}),
    ...(options.env ? { env: Object.entries(options.env) } : {}),
    ...(options.cwd ? { workdir: options.cwd } : {}),
  });
  // Unpacking goes on to the end even when aborted: the trees land in the runtime's cache.
  const root = await raceAbort(imageOverlay(context.store, image, context.layers), signal, what);
  const bytes = await imageProgramBytes(context.store, image, root.root, command.argv[0]!);
  const kind = wasmKind(bytes, `${name}: ${command.argv[0]}`);
  return {
    kind,
    bytes,
    argv: command.argv,
    env: command.env,
    workdir: command.workdir,
    image: image.record.name,
    root,
    layers: () => imageLayerBlobs(context.store, image),
  };
}
