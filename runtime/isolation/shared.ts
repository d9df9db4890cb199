// The shared driver (`--isolation shared`, alias `process`): the guest runs in the caller's thread
// with its own kernel instance; the cheapest start, but a running guest holds the thread.

import type { TranspiledComponent } from '../component/cache.js';
import { type RunResult, runModule } from '../engine/run.js';
import { isRuntimeError, RuntimeError } from '../errors.js';
import type { LayerTreeCache } from '../unpack/cache.js';
import type { MemFs } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';
import { type ByteSink, type ByteSource, bytesSource, discardSink, emptySource } from '../wasi/stdio.js';
import type { ComponentEngine } from './component-run.js';
import { materialise } from './container-fs.js';
import { newLayerCache, overlayFromLayers } from './image-layers.js';
import { timeoutMessage } from './limits.js';
import { asGuest, isComponentGuest, memoryImportFor } from './module.js';
import { InputPipe, OutputPipe, sinkOf } from './pipes.js';
import type { Interrupter, MountHost } from './seam.js';
import {
  type ContainerExit,
  type ContainerHandle,
  type ContainerSpec,
  guestEnded,
  type IsolationDriver,
  KILLED_STATUS,
  type KillSignal,
  type OutputSpec,
} from './types.js';
import { checkUpperRoot, rootFor, takeUpper } from './upper.js';

export interface SharedDriverOptions {
  /** Needed for `timeoutMs` (Node: the vm module's watchdog); without it a timeout is refused. */
  interrupter?: Interrupter;
  /** Also stop a running guest on the platform's interrupt (Ctrl-C): for a CLI that runs one guest. */
  breakOnInterrupt?: boolean;
  /** Needed for `hostMounts`. */
  mountHost?: MountHost;
}

export function createSharedDriver(options: SharedDriverOptions = {}): IsolationDriver {
  // Containers of this driver share one kernel realm, so they share image layer trees too.
  const layers = newLayerCache();
  // Loaded with the first component, and then keeps its generated modules for later containers.
  let engine: Promise<ComponentEngine> | undefined;
  const components = (): Promise<ComponentEngine> => {
    engine ??= import('./component-run.js').then((m) => m.createComponentEngine());
    return engine;
  };
  return {
    mode: 'shared',
    start: (spec) => startShared(spec, options, layers, components),
    close: async () => {},
  };
}

interface Output {
  sink: ByteSink;
  pipe: OutputPipe | null;
}

function output(spec: OutputSpec | undefined): Output {
  if (spec === undefined) return { sink: discardSink, pipe: null };
  if (spec !== 'pipe') return { sink: sinkOf(spec), pipe: null };
  const pipe = new OutputPipe();
  return { sink: { write: (bytes) => pipe.push(bytes) }, pipe };
}

/**
 * Order: validate → (image layers, a component: load them, asynchronously) → (stdin 'pipe': wait
 * one macrotask so the caller can write) → build the filesystem → run the guest to its end (a
 * module synchronously; a component from a microtask) → settle `exit`, end the output pipes.
 */
function startShared(
  spec: ContainerSpec,
  options: SharedDriverOptions,
  layerCache: LayerTreeCache,
  components: () => Promise<ComponentEngine>,
): ContainerHandle {
  const { interrupter } = options;
  if (spec.timeoutMs !== undefined && !interrupter) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      'this platform cannot interrupt a guest in shared isolation: use vm',
    );
  }
  if (spec.returnUpper) checkUpperRoot(spec.root);
  const component = isComponentGuest(spec.module) ? spec.module : undefined;
  const guest = isComponentGuest(spec.module) ? undefined : asGuest(spec.module);
  const stdout = output(spec.stdout);
  const stderr = output(spec.stderr);
  const input = spec.stdin === 'pipe' ? new InputPipe() : null;
  let killed: KillSignal | undefined;
  let state: 'pending' | 'running' | 'done' = 'pending';

  // The guest can only be reached while it runs through the host calls it makes: a kill() from a
  // callback (an output sink, a ByteSource) takes effect at its next stdio call.
  const interruptible = (): void => {
    if (killed) throw new RuntimeError('ERR_INTERRUPTED', `killed by ${killed}`);
  };
  const guard = (sink: ByteSink): ByteSink => ({
    write: (bytes) => {
      interruptible();
      sink.write(bytes);
    },
    ...(sink.flush ? { flush: () => sink.flush?.() } : {}),
  });
  let source: ByteSource = emptySource;
  if (spec.stdin instanceof Uint8Array) source = bytesSource(spec.stdin);
  else if (input) source = pipeSource(input);
  else if (spec.stdin !== undefined && spec.stdin !== 'pipe') source = spec.stdin;
  const stdin: ByteSource = {
    read: (max) => {
      interruptible();
      return source.read(max);
    },
  };

  let settle!: (exit: ContainerExit) => void;
  let fail!: (error: unknown) => void;
  const exit = new Promise<ContainerExit>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const finish = (): void => {
    state = 'done';
    stdout.pipe?.end();
    stderr.pipe?.end();
    input?.end();
  };

  const ended = (result: RunResult): void => {
    finish();
    let upperTar: Uint8Array[] | undefined;
    try {
      upperTar = spec.returnUpper ? takeUpper(root) : undefined;
    } catch (error) {
      fail(error);
      return;
    }
    settle(guestEnded(result.exitCode, result.trap, upperTar));
  };
  const failed = (error: unknown): void => {
    finish();
    if (killed) settle({ exitCode: KILLED_STATUS, reason: 'killed', message: `killed by ${killed}` });
    else if (isRuntimeError(error) && error.code === 'ERR_TIMEOUT') {
      settle({ exitCode: KILLED_STATUS, reason: 'timeout', message: timeoutMessage(spec.timeoutMs ?? 0) });
    } else if (isRuntimeError(error) && error.code === 'ERR_INTERRUPTED') {
      settle({ exitCode: KILLED_STATUS, reason: 'killed', message: 'killed by SIGINT' });
    } else fail(error);
  };

  const run = (): void => {
    if (state !== 'pending') return;
    state = 'running';
    const timeoutMs = spec.timeoutMs;
    const limited = interrupter && (timeoutMs !== undefined || options.breakOnInterrupt);
    const invoke = limited
      ? (start: () => void) =>
          interrupter.run(start, {
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
            breakOnInterrupt: !!options.breakOnInterrupt,
          })
      : undefined;
    try {
      root = rootFor(spec.root, image, spec.returnUpper);
      const rootfs = materialise(root ? { ...spec, root } : spec, options.mountHost);
      const kernel = {
        args: spec.args ?? [],
        env: spec.env ?? {},
        preopens: rootfs.preopens,
        stdin,
        stdout: guard(stdout.sink),
        stderr: guard(stderr.sink),
      };
      if (guest) {
        const memoryImport = memoryImportFor(guest);
        ended(
          runModule(guest.module, {
            ...kernel,
            ...(memoryImport ? { memoryImport } : {}),
            ...(invoke ? { invoke } : {}),
          }),
        );
      } else if (loaded) {
        // A kill() between instantiation and run (a microtask apart) still stops it before it runs.
        const start = (call: () => void): void => {
          interruptible();
          if (invoke) invoke(call);
          else call();
        };
        loaded.engine.start(loaded.transpiled, { ...kernel, invoke: start }).then(ended, failed);
      }
    } catch (error) {
      failed(error);
    }
  };

  const begin = (): void => {
    if (input) setTimeout(run, 0);
    else run();
  };
  // The image's overlay once its layers are unpacked; `root` is what the guest runs on.
  let image: Overlay | undefined;
  let root: MemFs | Overlay | undefined;
  let loaded: { engine: ComponentEngine; transpiled: TranspiledComponent } | undefined;
  // Unpacking layers and loading a component are asynchronous: the guest starts once both are ready.
  const preparing: Promise<void>[] = [];
  if (spec.layers && !spec.root) {
    preparing.push(
      overlayFromLayers(spec.layers, layerCache).then((overlay) => {
        image = overlay;
      }),
    );
  }
  if (component) {
    preparing.push(
      components().then(async (engine) => {
        loaded = { engine, transpiled: await engine.load(component) };
      }),
    );
  }
  if (preparing.length === 0) begin();
  else {
    Promise.all(preparing).then(begin, (error: unknown) => {
      if (state !== 'pending') return;
      finish();
      fail(error);
    });
  }

  return {
    exit,
    stdin: input?.stream ?? null,
    stdout: stdout.pipe?.stream ?? null,
    stderr: stderr.pipe?.stream ?? null,
    kill(signal: KillSignal = 'SIGKILL') {
      if (state === 'done' || killed) return;
      killed = signal;
      if (state === 'pending') {
        state = 'done';
        finish();
        settle({ exitCode: KILLED_STATUS, reason: 'killed', message: `killed by ${signal}` });
      }
    },
  };
}

/** The guest shares our thread: it cannot wait for input the caller has not written yet. */
function pipeSource(input: InputPipe): ByteSource {
  return {
    read(max) {
      const chunk = input.read(max);
      if (chunk) return chunk;
      throw new RuntimeError(
        'ERR_NOT_SUPPORTED',
        'the guest waits for stdin, which shared isolation cannot do: close stdin first, pass a ByteSource, or use vm isolation',
      );
    },
  };
}
