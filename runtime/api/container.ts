// The `Container` handle the library gives back: a lifecycle (created → running → exited), the
// standard streams as web streams that exist from creation on, `exit` with its duration, `kill`,
// and `fs`. It wraps an isolation driver's handle, which exists only once the container starts.

import { isRuntimeError, RuntimeError } from '../errors.js';
import type { ContainerExit, ContainerHandle, IsolationMode, KillSignal } from '../isolation/types.js';
import type { ContainerFs } from './container-fs.js';
import type { EventListener } from './events.js';
import type { ExitStatus } from './options.js';

export type ContainerState = 'created' | 'running' | 'exited';

export interface ContainerInit {
  id: string;
  image?: string;
  isolation: IsolationMode;
  fs: ContainerFs;
  /** Starts the guest; throws a RuntimeError when the driver refuses the spec. */
  launch(): ContainerHandle;
  /** Whether the caller writes stdin through `container.stdin`. */
  stdinPipe: boolean;
  /** Piped into the guest's stdin once it starts (vm isolation). */
  stdinSource?: ReadableStream<Uint8Array>;
  signal?: AbortSignal;
  emit: EventListener;
  /** Called once when the container has exited or failed (the runtime forgets it). */
  onSettled(): void;
}

const now = (): number => performance.now();

/** A ReadableStream that exists before its source does: reads wait for the container to start. */
function lateReadable(source: Promise<ReadableStream<Uint8Array> | null>): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null | undefined;
  const open = async () => {
    if (reader === undefined) reader = (await source)?.getReader() ?? null;
    return reader;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const r = await open();
        const next = r ? await r.read() : { done: true as const, value: undefined };
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel(reason) {
        await (await open())?.cancel(reason);
      },
    },
    // Nothing is read ahead, so the guest's backpressure reaches the consumer unchanged.
    { highWaterMark: 0 },
  );
}

/** A WritableStream that exists before its sink does: writes wait for the container to start. */
function lateWritable(sink: Promise<WritableStream<Uint8Array> | null>): WritableStream<Uint8Array> {
  let writer: WritableStreamDefaultWriter<Uint8Array> | null | undefined;
  const open = async () => {
    if (writer === undefined) writer = (await sink)?.getWriter() ?? null;
    return writer;
  };
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      const w = await open();
      if (!w) throw new RuntimeError('ERR_INVALID_ARGUMENT', "the container's stdin is not a pipe");
      await w.write(chunk);
    },
    async close() {
      await (await open())?.close();
    },
    async abort(reason) {
      await (await open())?.abort(reason);
    },
  });
}

export class Container {
  readonly id: string;
  readonly image: string | undefined;
  /** Where the guest runs; modules and components alike. */
  readonly isolation: IsolationMode;
  /**
   * The guest's stdin when it was created with `stdin: 'pipe'` (close it for end of input);
   * null otherwise. Writes made before `start()` wait for it.
   */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** The guest's output (empty unless created with `stdout: 'pipe'`, the default). */
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /**
   * Settles once the guest no longer runs: resolves with how it ended (also for kill, timeout and
   * abort), rejects with a RuntimeError when it could not start or its worker died.
   */
  readonly exit: Promise<ExitStatus>;
  /**
   * The container's file system, before, during and after the run. Shared isolation: the live
   * root (image layers, writable layer, mounts). vm isolation: before start, reads see the image
   * and staged writes, and `writeFile` stages a file the worker writes at start (mkdir/rm and
   * replacing an image file are refused); while it runs, the tree lives in the worker and every
   * call fails with ERR_NOT_SUPPORTED; once `exit` resolves after an exit or a trap, it is the root
   * the guest left, rebuilt from the image's layers and the writable layer its worker sent back
   * (without mounts); after a kill or timeout that layer is gone and calls fail (ERR_NOT_SUPPORTED).
   */
  readonly fs: ContainerFs;
  #state: ContainerState = 'created';
  #handle: ContainerHandle | undefined;
  #killed: KillSignal | undefined;
  #aborted = false;
  #startedAt = 0;
  readonly #init: ContainerInit;
  readonly #started: Promise<ContainerHandle | null>;
  #resolveStarted!: (handle: ContainerHandle | null) => void;
  #settle!: (exit: ExitStatus) => void;
  #fail!: (error: unknown) => void;

  constructor(init: ContainerInit) {
    this.#init = init;
    this.id = init.id;
    this.image = init.image;
    this.isolation = init.isolation;
    this.fs = init.fs;
    this.#started = new Promise((resolve) => {
      this.#resolveStarted = resolve;
    });
    this.exit = new Promise<ExitStatus>((resolve, reject) => {
      this.#settle = resolve;
      this.#fail = reject;
    });
    // A caller who never awaits `exit` must not see an unhandled rejection.
    this.exit.catch(() => {});
    this.stdin = init.stdinPipe ? lateWritable(this.#started.then((h) => h?.stdin ?? null)) : null;
    this.stdout = lateReadable(this.#started.then((h) => h?.stdout ?? null));
    this.stderr = lateReadable(this.#started.then((h) => h?.stderr ?? null));
    init.signal?.addEventListener('abort', this.#onAbort, { once: true });
    init.emit({
      type: 'create',
      id: this.id,
      isolation: this.isolation,
      ...(this.image ? { image: this.image } : {}),
    });
  }

  get state(): ContainerState {
    return this.#state;
  }

  /** Starts the guest. Throws ERR_CONFLICT unless the container is `created`. */
  start(): void {
    if (this.#state !== 'created') {
      throw new RuntimeError('ERR_CONFLICT', `container ${this.id} is ${this.#state}, it cannot start`);
    }
    this.#state = 'running';
    this.#startedAt = now();
    let handle: ContainerHandle;
    try {
      handle = this.#init.launch();
    } catch (error) {
      this.#failed(error);
      throw error;
    }
    this.#handle = handle;
    this.#init.emit({ type: 'start', id: this.id });
    this.#resolveStarted(handle);
    const source = this.#init.stdinSource;
    if (source && handle.stdin) source.pipeTo(handle.stdin).catch(() => {});
    handle.exit.then(
      (exit) => this.#exited(exit),
      (error: unknown) => this.#failed(error),
    );
  }

  /** Stops the guest (a created container never starts); exit status 137. No-op once exited. */
  kill(signal: KillSignal = 'SIGKILL'): void {
    if (this.#state === 'exited' || this.#killed) return;
    this.#killed = signal;
    if (this.#handle) {
      this.#handle.kill(signal);
      return;
    }
    this.#exited({ exitCode: 137, reason: 'killed', message: `killed by ${signal}` });
  }

  readonly #onAbort = (): void => {
    if (this.#state === 'exited') return;
    this.#aborted = true;
    this.kill('SIGKILL');
  };

  #exited(exit: ContainerExit): void {
    if (this.#state === 'exited') return;
    const durationMs = this.#startedAt === 0 ? 0 : now() - this.#startedAt;
    const killedBy = exit.reason === 'timeout' ? 'SIGKILL' : this.#killed;
    const aborted = this.#aborted && exit.reason === 'killed';
    const status: ExitStatus = {
      code: exit.exitCode,
      reason: aborted ? 'aborted' : exit.reason,
      durationMs,
      ...(exit.reason === 'timeout' || exit.reason === 'killed' ? { signal: killedBy ?? 'SIGKILL' } : {}),
      ...(aborted
        ? { message: 'aborted by its AbortSignal' }
        : exit.message
          ? { message: exit.message }
          : {}),
    };
    this.#end();
    this.#init.emit({ type: 'exit', id: this.id, exit: status });
    this.#settle(status);
  }

  #failed(error: unknown): void {
    if (this.#state === 'exited') return;
    const failure = isRuntimeError(error) ? error : new RuntimeError('ERR_CANNOT_START', String(error));
    this.#end();
    this.#init.emit({ type: 'error', id: this.id, error: { code: failure.code, message: failure.message } });
    this.#fail(failure);
  }

  #end(): void {
    this.#state = 'exited';
    this.#resolveStarted(null);
    this.#init.signal?.removeEventListener('abort', this.#onAbort);
    this.#init.onSettled();
  }
}
