// Runs one container for `wasmbox run` under the chosen isolation: wires the host's stdio, Ctrl-C
// and SIGTERM (exit 137 like docker) and prints why a container was killed.

import { writeSync } from 'node:fs';
import { detectWasm } from '../engine/detect.js';
import { parseDuration, parseIsolation, parseSize } from '../isolation/limits.js';
import { prepareModule } from '../isolation/module.js';
import { createSharedDriver } from '../isolation/shared.js';
import type { ContainerExit, ContainerSpec, Guest, IsolationDriver } from '../isolation/types.js';
import { createVmDriver } from '../isolation/vm.js';
import { mountHostDir } from '../platform/node/host-dir.js';
import { nodeInterrupter } from '../platform/node/interrupt.js';
import { fdSink, fdSource } from '../platform/node/stdio.js';
import { nodeWorkerFactory } from '../platform/node/worker.js';

export interface IsolationFlags {
  /** Unset: the plain shared run, as before isolation modes existed. */
  isolation?: string;
  memory?: string;
  timeout?: string;
}

export interface IsolatedRun
  extends Pick<
    ContainerSpec,
    'args' | 'env' | 'workdir' | 'hostMounts' | 'layers' | 'root' | 'tmpfs' | 'readOnly' | 'returnUpper'
  > {
  /** A preview1 module or a preview2 component (told apart by the header). */
  bytes: Uint8Array;
  /** The module compiled from `bytes`, reused when no memory cap needs a patched binary. */
  module?: WebAssembly.Module;
  stdinGranted: boolean;
}

/**
 * Whether the flags ask for an isolation driver (any of --isolation, --memory, --timeout) rather
 * than the plain run, which stays the default. Modules and components alike.
 */
export function isolatedRunNeeded(flags: IsolationFlags): boolean {
  const { memoryLimit, timeoutMs } = parseIsolationFlags(flags);
  return flags.isolation !== undefined || memoryLimit !== undefined || timeoutMs !== undefined;
}

/** Parses the isolation flags first, so a bad value fails before any work. */
export function parseIsolationFlags(flags: IsolationFlags): {
  mode: 'shared' | 'vm';
  memoryLimit?: number;
  timeoutMs?: number;
} {
  return {
    mode: flags.isolation === undefined ? 'shared' : parseIsolation(flags.isolation),
    ...(flags.memory === undefined ? {} : { memoryLimit: parseSize(flags.memory) }),
    ...(flags.timeout === undefined ? {} : { timeoutMs: parseDuration(flags.timeout) }),
  };
}

/** The exit status for the process, and the container's writable layer when it was asked for. */
export interface IsolatedResult {
  exitCode: number;
  upperTar?: Uint8Array[];
}

export async function runIsolated(run: IsolatedRun, flags: IsolationFlags): Promise<IsolatedResult> {
  const { mode, memoryLimit, timeoutMs } = parseIsolationFlags(flags);
  const limit = memoryLimit === undefined ? {} : { memoryLimit };
  const guest: Guest =
    detectWasm(run.bytes) === 'component'
      ? await prepareComponentGuest(run.bytes, limit)
      : await prepareModule(run.bytes, { ...limit, ...(run.module ? { compiled: run.module } : {}) });
  const base: ContainerSpec = {
    module: guest,
    ...(run.args ? { args: run.args } : {}),
    ...(run.env ? { env: run.env } : {}),
    ...(run.workdir ? { workdir: run.workdir } : {}),
    ...(run.hostMounts ? { hostMounts: run.hostMounts } : {}),
    ...(run.layers ? { layers: run.layers } : {}),
    ...(run.root ? { root: run.root } : {}),
    ...(run.tmpfs?.length ? { tmpfs: run.tmpfs } : {}),
    ...(run.readOnly ? { readOnly: true } : {}),
    ...(run.returnUpper ? { returnUpper: true } : {}),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  const driver: IsolationDriver =
    mode === 'vm'
      ? createVmDriver({ workers: nodeWorkerFactory() })
      : createSharedDriver({
          interrupter: nodeInterrupter(),
          breakOnInterrupt: true,
          mountHost: (path, options) => mountHostDir(path, options),
        });
  const stdout = fdSink(1);
  const stderr = fdSink(2);
  try {
    if (mode === 'shared') {
      // The guest holds this thread: it reads fd 0 itself, blocking, as a process would.
      const handle = driver.start({
        ...base,
        ...(run.stdinGranted ? { stdin: fdSource(0) } : {}),
        stdout,
        stderr,
      });
      return report(await handle.exit);
    }
    const handle = driver.start({
      ...base,
      ...(run.stdinGranted ? { stdin: 'pipe' as const } : {}),
      stdout,
      stderr,
    });
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => handle.kill(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const pump = handle.stdin ? pumpStdin(handle.stdin) : undefined;
    try {
      return report(await handle.exit);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      pump?.stop();
    }
  } finally {
    stdout.flush?.();
    stderr.flush?.();
    await driver.close();
  }
}

/** Transpiled through the disk cache on this side: a vm worker gets the result, never jco. */
async function prepareComponentGuest(bytes: Uint8Array, limit: { memoryLimit?: number }): Promise<Guest> {
  // Loaded only for components, so preview1 runs never load the component engine or jco.
  const { prepareComponent } = await import('../isolation/component.js');
  const { nodeComponentCache } = await import('../platform/node/component-cache.js');
  return prepareComponent(bytes, { ...limit, cache: nodeComponentCache(process.env) });
}

function report(exit: ContainerExit): IsolatedResult {
  if (exit.reason === 'timeout' || exit.reason === 'killed') {
    writeSync(2, `wasmbox: ${exit.message ?? exit.reason}\n`);
  }
  return { exitCode: exit.exitCode & 0xff, ...(exit.upperTar ? { upperTar: exit.upperTar } : {}) };
}

/** Forwards the host's stdin to the worker as it arrives; the guest blocks in its worker meanwhile. */
function pumpStdin(stdin: WritableStream<Uint8Array>): { stop(): void } {
  const writer = stdin.getWriter();
  const onData = (chunk: Buffer): void => {
    process.stdin.pause();
    writer.write(chunk).then(
      () => process.stdin.resume(),
      () => {},
    );
  };
  const onEnd = (): void => void writer.close().catch(() => {});
  process.stdin.on('data', onData);
  process.stdin.once('end', onEnd);
  return {
    stop() {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.destroy();
    },
  };
}
