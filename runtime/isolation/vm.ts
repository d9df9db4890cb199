// The vm driver (`--isolation vm`, alias `hyperv`): every container runs in its own worker with its
// own kernel instance; kill and timeout are hard (the worker is terminated wherever the guest is).

import { RuntimeError } from '../errors.js';
import { timeoutMessage } from './limits.js';
import { asGuest, isComponentGuest } from './module.js';
import { InputPipe, OutputPipe, sinkOf } from './pipes.js';
import { WorkerPool } from './pool.js';
import {
  controlView,
  createControl,
  OUT_PENDING,
  STDIN_DATA,
  STDIN_EOF,
  STDIN_LENGTH,
  STDIN_STATE,
  type WireSpec,
  type WorkerToHost,
} from './protocol.js';
import type { WorkerFactory } from './seam.js';
import {
  type ContainerExit,
  type ContainerHandle,
  type ContainerSpec,
  type GuestComponent,
  guestEnded,
  type IsolationDriver,
  KILLED_STATUS,
  type KillSignal,
  type OutputSpec,
} from './types.js';

export interface VmDriverOptions {
  workers: WorkerFactory;
  /** Idle workers kept booted for fast starts. Default 0: every start boots a worker. */
  pool?: number;
  /**
   * Reuse a worker for the next container after a clean exit (fresh kernel, instance, memory and
   * filesystem each time; killed, timed-out or failed workers are never reused). Default true.
   */
  recycle?: boolean;
}

export interface VmDriver extends IsolationDriver {
  /** Resolves when the pool's idle workers have booted. */
  warm(): Promise<void>;
}

export function createVmDriver(options: VmDriverOptions): VmDriver {
  const pool = new WorkerPool(options.workers, options.pool ?? 0, options.recycle ?? true);
  return {
    mode: 'vm',
    start: (spec) => startVm(pool, spec),
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}

function refuse(what: string): RuntimeError {
  return new RuntimeError('ERR_NOT_SUPPORTED', `${what} cannot cross to a worker (vm isolation)`);
}

function toWire(spec: ContainerSpec): WireSpec {
  if (spec.root) throw refuse('a live root tree (spec.root): describe it with spec.files, it');
  if (spec.mounts?.length) throw refuse('mounts of live directory nodes: use spec.hostMounts, they');
  const stdin = spec.stdin;
  if (stdin !== undefined && stdin !== 'pipe' && !(stdin instanceof Uint8Array)) {
    throw refuse("a ByteSource stdin: use 'pipe' or bytes, it");
  }
  return {
    module: isComponentGuest(spec.module) ? postable(spec.module) : asGuest(spec.module),
    stdin,
    stdout: spec.stdout !== undefined,
    stderr: spec.stderr !== undefined,
    ...(spec.args ? { args: spec.args } : {}),
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.workdir ? { workdir: spec.workdir } : {}),
    ...(spec.files ? { files: spec.files } : {}),
    ...(spec.hostMounts ? { hostMounts: spec.hostMounts } : {}),
    ...(spec.layers ? { layers: spec.layers } : {}),
    ...(spec.tmpfs ? { tmpfs: spec.tmpfs } : {}),
    ...(spec.readOnly ? { readOnly: true } : {}),
    ...(spec.returnUpper ? { returnUpper: true } : {}),
  };
}

/** A component without its loaded `instantiate` (a function cannot be posted). */
function postable(component: GuestComponent): GuestComponent {
  const { instantiate: _loadedHere, ...data } = component;
  return data;
}

/**
 * Order: validate and describe the spec → take a worker (warm or cold) → post the spec and a fresh
 * control block → relay output and stdin → on exit, failure, kill or timeout: settle `exit` once.
 */
function startVm(pool: WorkerPool, spec: ContainerSpec): ContainerHandle {
  const wire = toWire(spec);
  const controlBuffer = createControl();
  const control = controlView(controlBuffer);
  const slots = control.slots;

  const ack = (bytes: number): void => {
    Atomics.sub(slots, OUT_PENDING, bytes);
    Atomics.notify(slots, OUT_PENDING);
  };
  const outputs = [output(spec.stdout, ack), output(spec.stderr, ack)] as const;
  const input = spec.stdin === 'pipe' ? new InputPipe() : null;

  let wantStdin: number | undefined;
  const answerStdin = (): void => {
    if (wantStdin === undefined || !input) return;
    const chunk = input.read(wantStdin);
    if (!chunk) return;
    wantStdin = undefined;
    if (chunk.length === 0) {
      Atomics.store(slots, STDIN_STATE, STDIN_EOF);
    } else {
      control.stdin.set(chunk);
      Atomics.store(slots, STDIN_LENGTH, chunk.length);
      Atomics.store(slots, STDIN_STATE, STDIN_DATA);
    }
    Atomics.notify(slots, STDIN_STATE);
  };
  if (input) input.onChange = answerStdin;

  let settle!: (exit: ContainerExit) => void;
  let fail!: (error: unknown) => void;
  const exit = new Promise<ContainerExit>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pooled = pool.acquire();

  /** Ends the container once; `then` runs after the worker is released or gone. */
  const finish = (how: 'release' | 'discard', then: () => void): void => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    pooled.owner = undefined;
    for (const o of outputs) o.pipe?.end();
    input?.end();
    if (how === 'release') {
      pool.release(pooled);
      then();
    } else {
      void pool.discard(pooled).then(then);
    }
  };
  const kill = (exitValue: ContainerExit): void => finish('discard', () => settle(exitValue));

  const onMessage = (message: WorkerToHost): void => {
    switch (message.type) {
      case 'out': {
        const o = outputs[message.fd - 1]!;
        o.deliver(message.bytes);
        break;
      }
      case 'stdin':
        wantStdin = message.max;
        answerStdin();
        break;
      case 'exit': {
        finish('release', () => settle(guestEnded(message.exitCode, message.trap, message.upperTar)));
        break;
      }
      case 'failed':
        finish(message.fatal ? 'discard' : 'release', () => fail(RuntimeError.fromJSON(message.error)));
        break;
      default:
        break;
    }
  };
  pooled.owner = {
    message: onMessage,
    failure: (error) =>
      finish('discard', () =>
        fail(new RuntimeError('ERR_WORKER_FAILED', `the container's worker died: ${error.message}`)),
      ),
  };
  pooled.worker.post({ type: 'start', spec: wire, control: controlBuffer });
  if (spec.timeoutMs !== undefined) {
    const ms = spec.timeoutMs;
    timer = setTimeout(
      () => kill({ exitCode: KILLED_STATUS, reason: 'timeout', message: timeoutMessage(ms) }),
      ms,
    );
  }

  return {
    exit,
    stdin: input?.stream ?? null,
    stdout: outputs[0].pipe?.stream ?? null,
    stderr: outputs[1].pipe?.stream ?? null,
    kill(signal: KillSignal = 'SIGKILL') {
      kill({ exitCode: KILLED_STATUS, reason: 'killed', message: `killed by ${signal}` });
    },
  };
}

interface Output {
  pipe: OutputPipe | null;
  deliver(bytes: Uint8Array): void;
}

function output(spec: OutputSpec | undefined, ack: (bytes: number) => void): Output {
  if (spec === 'pipe') {
    const pipe = new OutputPipe(ack);
    return { pipe, deliver: (bytes) => pipe.push(bytes) };
  }
  const sink = spec === undefined ? undefined : sinkOf(spec);
  return {
    pipe: null,
    deliver(bytes) {
      sink?.write(bytes);
      sink?.flush?.();
      ack(bytes.length);
    },
  };
}
