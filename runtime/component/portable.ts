// A transpiled component as plain data that can be posted to a worker (the generated JS, compiled
// core modules, import and export names), and the per-realm loader that makes it runnable again.

import { RuntimeError } from '../errors.js';
import { type InstantiateFn, instantiateOf, moduleDataUrl, type TranspiledComponent } from './cache.js';

/** Structured-cloneable: bytes, strings and a Map of compiled `WebAssembly.Module`s. */
export interface PortableComponent {
  /** The component binary's digest: names its generated JS, which a realm imports only once. */
  digest: string;
  /** jco's generated ES module (instantiation mode), as the host's ComponentCache holds it. */
  js: Uint8Array;
  /** Compiled core modules by the file name the generated code asks for. */
  cores: ReadonlyMap<string, WebAssembly.Module>;
  imports: readonly string[];
  exports: readonly string[];
}

/**
 * Imports each component's generated JS once per realm, from a data: URL (no jco, no disk), keyed
 * by digest: a worker keeps one loader across the containers it serves.
 */
export class ComponentLoader {
  readonly #modules = new Map<string, Promise<InstantiateFn>>();

  async load(component: PortableComponent): Promise<TranspiledComponent> {
    let instantiate = this.#modules.get(component.digest);
    if (!instantiate) {
      instantiate = importGenerated(component.js);
      this.#modules.set(component.digest, instantiate);
      instantiate.catch(() => this.#modules.delete(component.digest));
    }
    return {
      instantiate: await instantiate,
      cores: component.cores,
      imports: component.imports,
      exports: component.exports,
    };
  }
}

async function importGenerated(js: Uint8Array): Promise<InstantiateFn> {
  let namespace: unknown;
  try {
    namespace = await import(/* @vite-ignore */ moduleDataUrl(js));
  } catch (error) {
    throw new RuntimeError(
      'ERR_COMPILE',
      `cannot load the transpiled component's JavaScript: ${(error as Error).message}`,
    );
  }
  return instantiateOf(namespace);
}
