// The simplest way to run a WASI command: an empty in-memory root preopened at "/", output
// collected or streamed through callbacks. Used by benchmarks, tests and small embedders.

import { MemFs } from '../vfs/mem.js';
import { bytesSource, callbackSink } from '../wasi/stdio.js';
import { runModule } from './run.js';

export interface ExecOptions {
  /** argv including argv[0]. */
  args?: string[];
  /** The exact guest environment. */
  env?: Record<string, string>;
  /** Default: empty. */
  stdin?: Uint8Array;
  /** Default: discarded. */
  stdout?: (chunk: Uint8Array) => void;
  stderr?: (chunk: Uint8Array) => void;
}

export interface ExecResult {
  exitCode: number;
}

/** Runs a WASI preview1 command module with an empty in-memory root filesystem preopened at "/". */
export async function execWasm(
  module: WebAssembly.Module | Uint8Array,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const compiled =
    module instanceof WebAssembly.Module ? module : await WebAssembly.compile(module as BufferSource);
  const fs = new MemFs();
  const result = runModule(compiled, {
    args: options.args ?? ['main.wasm'],
    env: options.env ?? {},
    preopens: [{ guestPath: '/', dir: fs.root, containerRoot: true }],
    ...(options.stdin ? { stdin: bytesSource(options.stdin) } : {}),
    ...(options.stdout ? { stdout: callbackSink(options.stdout) } : {}),
    ...(options.stderr ? { stderr: callbackSink(options.stderr) } : {}),
  });
  return { exitCode: result.exitCode };
}
