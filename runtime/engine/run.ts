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

/** What runModule takes beyond the kernel's options; every field is optional. */
export interface RunOptions extends KernelOptions {
  /** The memory for a module that imports its memory (`--import-memory`), under the import's name. */
  memoryImport?: { module: string; name: string; memory: WebAssembly.Memory };
  /**
   * Calls the guest's `_start`. Default: a plain call. An isolation driver passes a wrapper that can
   * interrupt the guest (a watchdog); whatever it throws ends the run after the kernel is closed.
   */
  invoke?: (start: () => void) => void;
}

const PROVIDED = new Set<string>(PREVIEW1_FUNCTIONS);

/** Refuses a module we cannot run, naming the first import we do not provide. */
export function checkModule(
  module: WebAssembly.Module,
  memoryImport?: { module: string; name: string },
): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'memory' && imp.module === memoryImport?.module && imp.name === memoryImport.name)
      continue;
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
  if (!memoryImport && !exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new RuntimeError('ERR_CANNOT_START', 'the module exports no memory');
  }
}

/**
 * Instantiates `module` against a fresh kernel built from `options` and runs `_start`.
 * Order: check imports/exports → instantiate → run → flush and close every fd → result.
 * The guest's proc_exit never ends the host; a trap gives status 134 and a line on stderr.
 */
export function runModule(module: WebAssembly.Module, options: RunOptions = {}): RunResult {
  const memoryImport = options.memoryImport;
  checkModule(module, memoryImport);
  const kernel = new Preview1(options);
  let instance: WebAssembly.Instance;
  const imports: WebAssembly.Imports = { wasi_snapshot_preview1: kernel.imports() };
  if (memoryImport) {
    imports[memoryImport.module] = {
      ...imports[memoryImport.module],
      [memoryImport.name]: memoryImport.memory,
    };
  }
  try {
    instance = new WebAssembly.Instance(module, imports);
  } catch (error) {
    throw new RuntimeError('ERR_CANNOT_START', `cannot instantiate the module: ${(error as Error).message}`, {
      cause: error,
    });
  }
  kernel.attach(memoryImport?.memory ?? (instance.exports.memory as WebAssembly.Memory));
  const start = instance.exports._start as () => void;
  try {
    if (options.invoke) options.invoke(start);
    else start();
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
