// Turns a component into an ES module plus core wasm modules with jco (`--instantiation sync`),
// imported on first use only, so runs of preview1 modules never load jco.

import { RuntimeError } from '../errors.js';

/** What a transpile produces; the unit a ComponentCache stores. */
export interface TranspileOutput {
  /** jco's generated ES module: `export function instantiate(getCoreModule, imports)`. */
  js: Uint8Array;
  /** The core modules the generated code asks for, by file name. */
  cores: Record<string, Uint8Array>;
  /** The interfaces the component imports, as jco names them (no version). */
  imports: string[];
  /** The component's export names (e.g. `wasi:cli/run@0.2.3`). */
  exports: string[];
}

/**
 * Identifies the shape of a TranspileOutput and the options that made it; caches keep it with
 * each entry and treat another value as a miss. Bump it when the options below change.
 */
export const TRANSPILE_FORMAT = 'jco1-sync-v2';

/**
 * jco's bindings ask `process.env.JCO_DEBUG` on every host call, before each debug line: a slow
 * host-environment read (about half the cost of a call) that a container must not depend on.
 * Logging is pinned off in the generated code; other jco versions simply do not match.
 */
const DEBUG_CHECK = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';

interface Jco {
  transpile(
    component: Uint8Array,
    options: Record<string, unknown>,
  ): Promise<{ files: Record<string, Uint8Array>; imports: string[]; exports: Array<[string, string]> }>;
}

export async function transpileComponent(bytes: Uint8Array): Promise<TranspileOutput> {
  let jco: Jco;
  try {
    jco = (await import('@bytecodealliance/jco')) as unknown as Jco;
  } catch (error) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      `running components needs @bytecodealliance/jco, which cannot be loaded: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let result: Awaited<ReturnType<Jco['transpile']>>;
  try {
    result = await jco.transpile(bytes, {
      name: 'component',
      // Sync instantiation: we compile the core modules ourselves and pass our own wasi:* imports.
      instantiation: 'sync',
      emitTypescriptDeclarations: false,
      quiet: true,
    });
  } catch (error) {
    throw new RuntimeError('ERR_COMPILE', `invalid WebAssembly component: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const cores: Record<string, Uint8Array> = {};
  let js: Uint8Array | undefined;
  for (const [name, data] of Object.entries(result.files)) {
    if (name.endsWith('.wasm')) cores[name] = data;
    else if (name.endsWith('.js')) js = data;
  }
  if (!js) throw new RuntimeError('ERR_COMPILE', 'jco produced no JavaScript for the component');
  js = new TextEncoder().encode(new TextDecoder().decode(js).replaceAll(DEBUG_CHECK, 'return;'));
  return { js, cores, imports: result.imports, exports: result.exports.map(([name]) => name) };
}
