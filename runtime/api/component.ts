// Starts a preview2 component as a container handle, in the caller's thread (components have no
// vm driver yet). The component engine and jco are imported on first use only, so they stay a
// separate lazy chunk in browser bundles and preview1 runs never load them.

import type { ComponentCache } from '../component/cache.js';
import { isRuntimeError, RuntimeError } from '../errors.js';
import { OutputPipe } from '../isolation/pipes.js';
import {
  type ContainerExit,
  type ContainerHandle,
  KILLED_STATUS,
  type KillSignal,
} from '../isolation/types.js';
import type { Preopen } from '../wasi/preview1.js';
import { type ByteSink, bytesSource, discardSink, emptySource } from '../wasi/stdio.js';

export interface ComponentLaunch {
  bytes: Uint8Array;
  cache: ComponentCache;
  args: readonly string[];
  env: readonly string[];
  preopens: readonly Preopen[];
  stdin?: Uint8Array;
  /** true: a pipe read through the handle; a function: called per chunk; false: discarded. */
  stdout: boolean | ((chunk: Uint8Array) => void);
  stderr: boolean | ((chunk: Uint8Array) => void);
}

function output(spec: ComponentLaunch['stdout']): { sink: ByteSink; pipe: OutputPipe | null } {
  if (spec === false) return { sink: discardSink, pipe: null };
  if (typeof spec === 'function') return { sink: { write: spec }, pipe: null };
  const pipe = new OutputPipe();
  return { sink: { write: (bytes) => pipe.push(bytes) }, pipe };
}

/**
 * Order: load the engine → transpile (or a cache hit) → run to the end → settle `exit`. A kill
 * before the guest runs stops it there; once it runs, it holds the thread until it returns.
 */
export function launchComponent(launch: ComponentLaunch): ContainerHandle {
  const stdout = output(launch.stdout);
  const stderr = output(launch.stderr);
  let killed: KillSignal | undefined;
  let done = false;
  let settle!: (exit: ContainerExit) => void;
  let fail!: (error: unknown) => void;
  const exit = new Promise<ContainerExit>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const finish = (): void => {
    done = true;
    stdout.pipe?.end();
    stderr.pipe?.end();
  };
  const run = async (): Promise<void> => {
    const { loadComponent, startComponent } = await import('../component/run.js');
    const component = await loadComponent(launch.bytes, launch.cache);
    if (killed) return;
    const result = await startComponent(component, {
      args: launch.args,
      env: launch.env,
      preopens: launch.preopens,
      stdin: launch.stdin ? bytesSource(launch.stdin) : emptySource,
      stdout: stdout.sink,
      stderr: stderr.sink,
    });
    if (done) return;
    finish();
    settle(
      result.trap === undefined
        ? { exitCode: result.exitCode, reason: 'exit' }
        : { exitCode: result.exitCode, reason: 'trap', message: `the guest trapped: ${result.trap}` },
    );
  };
  run().catch((error: unknown) => {
    if (done) return;
    finish();
    fail(isRuntimeError(error) ? error : new RuntimeError('ERR_CANNOT_START', String(error)));
  });
  return {
    exit,
    stdin: null,
    stdout: stdout.pipe?.stream ?? null,
    stderr: stderr.pipe?.stream ?? null,
    kill(signal: KillSignal = 'SIGKILL') {
      if (done || killed) return;
      killed = signal;
      finish();
      settle({ exitCode: KILLED_STATUS, reason: 'killed', message: `killed by ${signal}` });
    },
  };
}
