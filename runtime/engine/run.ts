// Runs a preview1 command module to its exit status over a kernel: checks imports and exports
// before start, maps proc_exit and traps to the status docker users expect.

import { RuntimeError } from '../errors.js';
import { type KernelOptions, PREVIEW1_FUNCTIONS, Preview1, ProcExit } from '../wasi/preview1.js';

/** Exit status of a guest that trapped (like SIGABRT). */
export const TRAP_STATUS = 134;

export interface RunResult {
  exitCode: number;
  /** Set when the guest trapped: the engine's message. */
  trap?: string;
}

const PROVIDED = new Set<string>(PREVIEW1_FUNCTIONS);

/** Refuses a module we cannot run, naming the first import we do not provide. */
export function checkModule(module: WebAssembly.Module): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function' || !PROVIDED.has(imp.name)) {
      throw new RuntimeError(
        'ERR_UNSUPPORTED_IMPORT',
        `the module imports ${imp.kind} "${imp.module}.${imp.name}", which wasmbox does not provide`,
      );
    }
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((e) => e.name === '_start' && e.kind === 'function')) {
    throw new RuntimeError('ERR_NO_START', 'the module exports no _start function: it is not a WASI command');
  }
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new RuntimeError('ERR_CANNOT_START', 'the module exports no memory');
  }
}

/**
 * Instantiates `module` against a fresh kernel built from `options` and runs `_start`.
 * Order: check imports/exports → instantiate → run → flush and close every fd → result.
 * The guest's proc_exit never ends the host; a trap gives status 134 and a line on stderr.
 */
export function runModule(module: WebAssembly.Module, options: KernelOptions = {}): RunResult {
  checkModule(module);
  const kernel = new Preview1(options);
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: kernel.imports() });
  } catch (error) {
    throw new RuntimeError('ERR_CANNOT_START', `cannot instantiate the module: ${(error as Error).message}`, {
      cause: error,
    });
  }
  kernel.attach(instance.exports.memory as WebAssembly.Memory);
  const start = instance.exports._start as () => void;
  try {
    start();
    return { exitCode: 0 };
  } catch (error) {
    if (error instanceof ProcExit) return { exitCode: error.code };
    if (error instanceof WebAssembly.RuntimeError || isStackOverflow(error)) {
      const trap = (error as Error).message;
      options.stderr?.write(new TextEncoder().encode(`wasmbox: the guest trapped: ${trap}\n`));
      return { exitCode: TRAP_STATUS, trap };
    }
    throw error;
  } finally {
    kernel.closeAll();
  }
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
