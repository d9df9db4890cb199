// The playground's containers: from a pulled image to a running container under the chosen driver,
// and the state the diagram, terminal and file browser show (state, kernel, memory, exit status).

import { imageOverlay, readProgramFile } from '../../../runtime/container/image-root.js';
import { loadUpper } from '../../../runtime/container/import-upper.js';
import { resolveCommand } from '../../../runtime/container/spec.js';
import type { Descriptor } from '../../../runtime/core/descriptor.js';
import { readMemories, WASM_PAGE } from '../../../runtime/engine/memory-limit.js';
import type { LoadedImage } from '../../../runtime/image/images.js';
import { prepareModule } from '../../../runtime/isolation/module.js';
import type {
  ContainerExit,
  ContainerHandle,
  GuestModule,
  IsolationDriver,
  IsolationMode,
} from '../../../runtime/isolation/types.js';
import { Overlay } from '../../../runtime/vfs/overlay.js';
import type { ImageLibrary } from './images.js';
import type { LayerOrigins } from './layer-origins.js';

export type ContainerState = 'starting' | 'running' | 'exited' | 'killed' | 'failed';

export interface Container {
  readonly id: number;
  readonly name: string;
  readonly image: string;
  readonly mode: IsolationMode;
  /** Every container has its own kernel instance; numbered in start order. */
  readonly kernel: number;
  readonly argv: string[];
  state: ContainerState;
  exit?: ContainerExit;
  error?: string;
  /** Bytes: the guest's initial memory and its maximum under the cap. */
  memory?: { initial: number; maximum: number };
  /**
   * shared: the container's own root, live. vm: a view of the image while the guest runs in its
   * worker; after an exit or a trap, its root rebuilt here from the layer the worker sent back.
   */
  root?: Overlay;
  /** What `root` shows: 'live' (shared), 'image' (vm: the image only), 'returned' (vm, exited). */
  rootView: 'live' | 'image' | 'returned';
  layers: readonly Descriptor[];
  origins?: LayerOrigins;
  handle?: ContainerHandle;
}

export interface LaunchOptions {
  id: number;
  kernel: number;
  reference: string;
  image: LoadedImage;
  mode: IsolationMode;
  args: string[];
  memoryCap: number;
  /** The terminal's size, passed as COLUMNS and LINES (WASI has no terminal ioctl). */
  size: { cols: number; rows: number };
}

/** Compiled modules by image, program and cap: a module is compiled once and started many times. */
export class GuestCache {
  readonly #guests = new Map<string, Promise<GuestModule>>();

  get(key: string, bytes: Uint8Array, memoryLimit: number): Promise<GuestModule> {
    let guest = this.#guests.get(key);
    if (!guest) {
      guest = prepareModule(bytes, { memoryLimit });
      guest.catch(() => this.#guests.delete(key));
      this.#guests.set(key, guest);
    }
    return guest;
  }
}

function shortName(reference: string): string {
  const last = reference.split('/').pop() ?? reference;
  return last.replace(/[:@].*$/, '') || 'container';
}

/** A container record before start: command resolved, root ready, program found. */
export async function createContainer(
  library: ImageLibrary,
  options: LaunchOptions,
): Promise<{ container: Container; bytes: Uint8Array; env: Map<string, string>; workdir: string }> {
  const { image } = options;
  const config = image.config?.config ?? {};
  // Artifacts with no command in their config run their single module (as `wasmbox run` does).
  const runConfig =
    image.wasm && !config.Entrypoint?.length && !config.Cmd?.length
      ? { ...config, Entrypoint: ['/module.wasm'] }
      : config;
  const command = resolveCommand(runConfig, {
    args: options.args,
    env: [
      ['COLUMNS', String(options.size.cols)],
      ['LINES', String(options.size.rows)],
    ],
  });
  const root = await imageOverlay(library.store, image, library.layers);
  const bytes = image.wasm
    ? await library.store.read(image.wasm.digest)
    : readProgramFile(root.root, command.argv[0]!, image.record.name);
  const declared = readMemories(bytes).find((m) => !m.import) ?? readMemories(bytes)[0];
  const container: Container = {
    id: options.id,
    name: `${shortName(options.reference)}-${options.id}`,
    image: image.record.name,
    mode: options.mode,
    kernel: options.kernel,
    argv: command.argv,
    state: 'starting',
    root,
    rootView: options.mode === 'shared' ? 'live' : 'image',
    layers: image.layers,
    ...(declared
      ? {
          memory: {
            initial: declared.initial * WASM_PAGE,
            maximum: Math.min((declared.maximum ?? 65536) * WASM_PAGE, options.memoryCap),
          },
        }
      : {}),
  };
  return { container, bytes, env: command.env, workdir: command.workdir };
}

export interface StartOptions {
  guest: GuestModule;
  driver: IsolationDriver;
  library: ImageLibrary;
  image: LoadedImage;
  env: Map<string, string>;
  workdir: string;
}

/**
 * shared: the guest runs on this thread over the container's own overlay (so its writes can be
 * browsed), stdin closed: the page's thread cannot wait for typing. vm: the layer blobs go to the
 * worker, which builds its own root and returns its writable layer at exit; stdin is a pipe the
 * guest blocks on (Atomics.wait).
 */
export async function startContainer(container: Container, options: StartOptions): Promise<ContainerHandle> {
  const { image, library } = options;
  const base = {
    module: options.guest,
    args: container.argv,
    env: Object.fromEntries(options.env),
    workdir: options.workdir,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
  };
  if (container.mode === 'shared') {
    if (!container.root) throw new Error('a shared container needs its root');
    return options.driver.start({ ...base, root: container.root });
  }
  const layers = image.wasm
    ? []
    : await Promise.all(
        image.layers.map(async (layer) => ({
          digest: layer.digest,
          mediaType: layer.mediaType,
          bytes: await library.store.read(layer.digest),
        })),
      );
  // The worker sends the writable layer back with the exit, for the file browser (adoptUpper).
  return options.driver.start({ ...base, layers, stdin: 'pipe', returnUpper: true });
}

/**
 * vm: puts the layer the worker returned with `exit` over the image's trees, so the file browser
 * shows what the container wrote and deleted. Nothing comes back after a kill or timeout.
 */
export async function adoptUpper(container: Container, exit: ContainerExit): Promise<void> {
  if (container.mode !== 'vm' || !exit.upperTar || !container.root) return;
  const root = new Overlay({ lowers: container.root.lowers });
  await loadUpper(root, exit.upperTar, `the writable layer of ${container.name}`);
  container.root = root;
  container.rootView = 'returned';
}

export function describeExit(exit: ContainerExit): string {
  if (exit.reason === 'exit') return `exited with status ${exit.exitCode}`;
  return `${exit.message ?? exit.reason} (status ${exit.exitCode})`;
}
