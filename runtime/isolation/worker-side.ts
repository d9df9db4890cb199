// The vm driver's worker side: waits for a container spec, builds its filesystem and kernel inside
// this isolate and runs the guest; output is posted back, stdin arrives through the control block.

import { type RunResult, runModule } from '../engine/run.js';
import { isRuntimeError } from '../errors.js';
import type { Overlay } from '../vfs/overlay.js';
import { type ByteSink, type ByteSource, bytesSource, discardSink, emptySource } from '../wasi/stdio.js';
import type { ComponentEngine } from './component-run.js';
import { materialise } from './container-fs.js';
import { isComponentGuest, memoryImportFor } from './module.js';
import {
  type Control,
  controlView,
  type HostToWorker,
  OUT_HIGH_WATER,
  OUT_PENDING,
  STDIN_CAPACITY,
  STDIN_EMPTY,
  STDIN_EOF,
  STDIN_LENGTH,
  STDIN_STATE,
} from './protocol.js';
import type { WorkerPlatform, WorkerPort } from './seam.js';
import type { LayerBlob } from './types.js';

const EMPTY = new Uint8Array(0);

/** An image's root over this worker's layer cache. */
type ImageRoots = (layers: readonly LayerBlob[]) => Promise<Overlay>;

/** Serves containers one after another on this worker; announces itself with 'ready'. */
export function serveWorker(port: WorkerPort, platform: WorkerPlatform): void {
  // A recycled worker keeps its unpacked layer trees: the next container of the image starts warm.
  // The unpacker (tar, gzip, zstd) loads with the first image root, not at every cold boot.
  let images: Promise<ImageRoots> | undefined;
  const imageRoots = (): Promise<ImageRoots> => {
    images ??= import('./image-layers.js').then((m) => {
      const cache = m.newLayerCache();
      return (layers) => m.overlayFromLayers(layers, cache);
    });
    return images;
  };
  // Loaded with the first component; it keeps generated modules imported for the next containers.
  let engine: Promise<ComponentEngine> | undefined;
  const components = (): Promise<ComponentEngine> => {
    engine ??= import('./component-run.js').then((m) => m.createComponentEngine());
    return engine;
  };
  port.onMessage((message) => {
    if (message.type === 'start') void runContainer(port, platform, message, imageRoots, components);
  });
  port.post({ type: 'ready' });
}

async function runContainer(
  port: WorkerPort,
  platform: WorkerPlatform,
  message: HostToWorker,
  imageRoots: () => Promise<ImageRoots>,
  components: () => Promise<ComponentEngine>,
): Promise<void> {
  const { spec } = message;
  const control = controlView(message.control);
  let stdin: ByteSource = emptySource;
  if (spec.stdin === 'pipe') stdin = pipeSource(port, control);
  else if (spec.stdin) stdin = bytesSource(spec.stdin);
  try {
    const image = spec.layers ? await (await imageRoots())(spec.layers) : undefined;
    // Imported only when asked for: its tar export pulls in gzip tables (~4 ms of every cold boot).
    const upper = spec.returnUpper ? await import('./upper.js') : undefined;
    const root = upper ? upper.rootFor(undefined, image, true) : image;
    const rootfs = materialise(root ? { ...spec, root } : spec, platform.mountHost);
    const kernel = {
      args: spec.args ?? [],
      env: spec.env ?? {},
      preopens: rootfs.preopens,
      stdin,
      stdout: spec.stdout ? postingSink(port, control, 1) : discardSink,
      stderr: spec.stderr ? postingSink(port, control, 2) : discardSink,
    };
    let result: RunResult;
    if (isComponentGuest(spec.module)) {
      const engine = await components();
      result = await engine.start(await engine.load(spec.module), kernel);
    } else {
      const memoryImport = memoryImportFor(spec.module);
      result = runModule(spec.module.module, { ...kernel, ...(memoryImport ? { memoryImport } : {}) });
    }
    // The guest has ended, so its tree no longer changes while it is exported.
    const upperTar = upper?.takeUpper(root);
    port.post(
      {
        type: 'exit',
        exitCode: result.exitCode,
        ...(result.trap === undefined ? {} : { trap: result.trap }),
        ...(upperTar ? { upperTar } : {}),
      },
      upperTar && upper ? upper.transferList(upperTar) : [],
    );
  } catch (error) {
    const known = isRuntimeError(error);
    port.post({
      type: 'failed',
      error: known ? error.toJSON() : { code: 'ERR_WORKER_FAILED', message: String(error) },
      fatal: !known,
    });
  }
}

/**
 * Each write is posted at once (the worker has no timer to flush a buffer later: the guest holds
 * its event loop). Backpressure: past OUT_HIGH_WATER unread bytes the guest waits (Atomics.wait).
 */
function postingSink(port: WorkerPort, control: Control, fd: 1 | 2): ByteSink {
  const slots = control.slots;
  return {
    write(bytes) {
      // The kernel hands over a copy; transfer it rather than clone it when it owns its buffer.
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      const chunk = own ? bytes : bytes.slice();
      const size = chunk.length;
      port.post({ type: 'out', fd, bytes: chunk }, [chunk.buffer as ArrayBuffer]);
      let pending = Atomics.add(slots, OUT_PENDING, size) + size;
      while (pending > OUT_HIGH_WATER) {
        Atomics.wait(slots, OUT_PENDING, pending);
        pending = Atomics.load(slots, OUT_PENDING);
      }
    },
  };
}

/** A blocking stdin: ask the host, sleep on the control block until it answers (no busy loop). */
function pipeSource(port: WorkerPort, control: Control): ByteSource {
  const slots = control.slots;
  let ended = false;
  return {
    read(max) {
      if (ended) return EMPTY;
      port.post({ type: 'stdin', max: Math.min(max, STDIN_CAPACITY) });
      Atomics.wait(slots, STDIN_STATE, STDIN_EMPTY);
      if (Atomics.load(slots, STDIN_STATE) === STDIN_EOF) {
        ended = true;
        return EMPTY;
      }
      const chunk = control.stdin.slice(0, Atomics.load(slots, STDIN_LENGTH));
      Atomics.store(slots, STDIN_STATE, STDIN_EMPTY);
      return chunk;
    },
  };
}
