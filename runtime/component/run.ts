// Runs a WASI preview2 command component to its exit status, over the same VFS, stdio and clock
// the preview1 kernel uses: transpile (or cache hit) → refuse unknown imports → instantiate with
// wasmbox's own wasi:* interfaces → call wasi:cli/run → close everything.

import { type Digest, digestOf } from '../core/digest.js';
import { detectWasm } from '../engine/detect.js';
import { type RunResult, TRAP_STATUS } from '../engine/run.js';
import { RuntimeError } from '../errors.js';
import type { KernelOptions } from '../wasi/preview1.js';
import { type ComponentCache, MemoryComponentCache, type TranspiledComponent } from './cache.js';
import { ComponentExit } from './failure.js';
import { ComponentHost } from './host.js';
import { buildImports, checkImports } from './imports.js';
import { transpileComponent } from './transpile.js';

/** runModule's options, plus where transpiles are cached. Everything not given is denied. */
export interface ComponentRunOptions extends KernelOptions {
  /** Default: a memory cache for this call only (so every call transpiles). */
  cache?: ComponentCache;
  /** Calls the guest's entry point; an isolation driver passes a wrapper that can interrupt it. */
  invoke?: (start: () => void) => void;
}

/** Transpiles `bytes` (a component binary), or takes it from `cache`; `digest` if already known. */
export async function loadComponent(
  bytes: Uint8Array,
  cache: ComponentCache = new MemoryComponentCache(),
  digest: Digest = digestOf(bytes),
): Promise<TranspiledComponent> {
  if (detectWasm(bytes) !== 'component') {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', 'a core module, not a component: run it with runModule');
  }
  return (await cache.get(digest)) ?? cache.put(digest, await transpileComponent(bytes));
}

/** The export holding `run`: `wasi:cli/run@0.2.x` (any 0.2 version). */
function runExport(component: TranspiledComponent): string {
  const name = component.exports.find((e) => /^wasi:cli\/run(@0\.2\.\d+.*)?$/.test(e));
  if (!name) {
    throw new RuntimeError('ERR_NO_START', 'the component exports no wasi:cli/run: it is not a WASI command');
  }
  return name;
}

/**
 * Runs a component binary: `loadComponent`, then `startComponent`.
 * The guest's exit never ends the host; a trap gives status 134 and a line on stderr.
 */
export async function runComponent(bytes: Uint8Array, options: ComponentRunOptions = {}): Promise<RunResult> {
  return startComponent(await loadComponent(bytes, options.cache), options);
}

/**
 * Instantiates a loaded component against a fresh host built from `options` and calls its run.
 * Order: check imports and exports → instantiate → run → flush output, close handles → result.
 * wasi:cli/exit ok → 0, err → 1, exit-with-code → its code; run returning err → 1.
 */
export async function startComponent(
  component: TranspiledComponent,
  options: ComponentRunOptions = {},
): Promise<RunResult> {
  checkImports(component.imports);
  const exportName = runExport(component);
  const host = new ComponentHost(options);
  try {
    let exports: Record<string, { run?: () => unknown } | undefined>;
    try {
      const getCore = (name: string): WebAssembly.Module => {
        const core = component.cores.get(name);
        if (!core) throw new RuntimeError('ERR_CANNOT_START', `the transpiled component lacks ${name}`);
        return core;
      };
      exports = (await component.instantiate(
        getCore,
        buildImports(component.imports, host),
      )) as typeof exports;
    } catch (error) {
      const ended = outcome(error, options);
      if (ended) return ended;
      if (error instanceof RuntimeError) throw error;
      throw new RuntimeError(
        'ERR_CANNOT_START',
        `cannot instantiate the component: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const run = exports[exportName]?.run;
    if (typeof run !== 'function') {
      throw new RuntimeError('ERR_NO_START', `the component's ${exportName} has no run function`);
    }
    try {
      let result: unknown;
      const start = (): void => {
        result = run();
      };
      if (options.invoke) options.invoke(start);
      else start();
      result = await result;
      return { exitCode: (result as { tag?: string } | undefined)?.tag === 'err' ? 1 : 0 };
    } catch (error) {
      const ended = outcome(error, options);
      if (ended) return ended;
      throw error;
    }
  } finally {
    host.close();
  }
}

/** How a thrown value ends the guest, or undefined when it is not the guest's doing. */
function outcome(error: unknown, options: KernelOptions): RunResult | undefined {
  if (error instanceof ComponentExit) return { exitCode: error.code };
  // jco throws a ComponentError carrying the `err` payload when run returns err.
  if (error instanceof Error && Object.hasOwn(error, 'payload') && error.name !== 'WasiFailure') {
    return { exitCode: 1 };
  }
  if (error instanceof WebAssembly.RuntimeError || isStackOverflow(error)) {
    const trap = (error as Error).message;
    options.stderr?.write(new TextEncoder().encode(`wasmbox: the guest trapped: ${trap}\n`));
    return { exitCode: TRAP_STATUS, trap };
  }
  return undefined;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}
