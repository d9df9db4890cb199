// Turns a component binary into a GuestComponent once: transpiled through the host's cache, its
// core modules compiled with the memory cap applied, ready to start here or to post to a worker.

import type { ComponentCache, ComponentSource } from '../component/cache.js';
import { loadComponent } from '../component/run.js';
import { transpileComponent } from '../component/transpile.js';
import { digestOf } from '../core/digest.js';
import { limitMemory, pagesFor, readMemories } from '../engine/memory-limit.js';
import { isRuntimeError, RuntimeError } from '../errors.js';
import type { GuestComponent } from './types.js';

export interface PrepareComponentOptions {
  /** Cap on every memory of every core module, in bytes (rounded down to whole 64 KiB pages). */
  memoryLimit?: number;
  /** Where transpiles are kept. Default: a memory cache for this call only (it transpiles). */
  cache?: ComponentCache;
}

/**
 * Order: transpile or cache hit → (with a limit) patch the memories of the core modules jco
 * extracted and compile those again; modules without a memory keep their compiled form.
 */
export async function prepareComponent(
  bytes: Uint8Array,
  options: PrepareComponentOptions = {},
): Promise<GuestComponent> {
  const digest = digestOf(bytes);
  const loaded = await loadComponent(bytes, options.cache, digest);
  // A cache that does not keep the source (another implementation): transpile for it again.
  const source = loaded.source ?? sourceOf(await transpileComponent(bytes));
  const cores =
    options.memoryLimit === undefined
      ? loaded.cores
      : await capCores(source, loaded.cores, pagesFor(options.memoryLimit));
  return {
    kind: 'component',
    digest,
    js: source.js,
    cores,
    imports: loaded.imports,
    exports: loaded.exports,
    instantiate: loaded.instantiate,
  };
}

function sourceOf(output: { js: Uint8Array; cores: Record<string, Uint8Array> }): ComponentSource {
  return { js: output.js, cores: new Map(Object.entries(output.cores)) };
}

async function capCores(
  source: ComponentSource,
  compiled: ReadonlyMap<string, WebAssembly.Module>,
  maxPages: number,
): Promise<Map<string, WebAssembly.Module>> {
  const out = new Map<string, WebAssembly.Module>();
  for (const [name, module] of compiled) {
    const binary = source.cores.get(name);
    if (!binary)
      throw new RuntimeError('ERR_COMPILE', `the transpiled component lacks the source of ${name}`);
    if (readMemories(binary).length === 0) {
      out.set(name, module);
      continue;
    }
    let capped: Uint8Array;
    try {
      capped = limitMemory(binary, maxPages);
    } catch (error) {
      if (isRuntimeError(error)) throw new RuntimeError(error.code, `${name}: ${error.message}`);
      throw error;
    }
    try {
      out.set(name, await WebAssembly.compile(capped as Uint8Array<ArrayBuffer>));
    } catch (error) {
      throw new RuntimeError('ERR_COMPILE', `${name}: invalid core module: ${(error as Error).message}`);
    }
  }
  return out;
}
