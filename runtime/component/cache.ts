// Where transpiled components are kept, keyed by the component's sha256 digest, so a second run
// neither transpiles nor compiles again. The Node disk cache lives in platform/node.

import type { Digest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import type { TranspileOutput } from './transpile.js';

/** jco's generated `instantiate` (sync mode): may return its exports or a promise of them. */
export type InstantiateFn = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, object>,
) => unknown;

/** A transpiled component, ready to instantiate any number of times. */
export interface TranspiledComponent {
  instantiate: InstantiateFn;
  /** Compiled core modules by the file name the generated code asks for. */
  cores: ReadonlyMap<string, WebAssembly.Module>;
  imports: readonly string[];
  exports: readonly string[];
  /** What it was loaded from, when the cache kept it: the generated JS and the core binaries.
   * An isolation driver needs them to post the component to a worker or to cap its memory. */
  source?: ComponentSource;
}

/** The generated ES module and the uncompiled core modules of a transpile. */
export interface ComponentSource {
  js: Uint8Array;
  cores: ReadonlyMap<string, Uint8Array>;
}

export interface ComponentCache {
  /** The transpile of the component with `digest`, loaded, or undefined on a miss. */
  get(digest: Digest): Promise<TranspiledComponent | undefined>;
  /** Keeps `output` for `digest` and returns it loaded. */
  put(digest: Digest, output: TranspileOutput): Promise<TranspiledComponent>;
}

/** Compiles the core modules and imports the generated JS through `importJs`; given `output.js`,
 * the result keeps its source. */
export async function loadTranspiled(
  output: Omit<TranspileOutput, 'js'> & { js?: Uint8Array },
  importJs: () => Promise<unknown>,
): Promise<TranspiledComponent> {
  const names = Object.keys(output.cores);
  let modules: WebAssembly.Module[];
  try {
    modules = await Promise.all(
      names.map((name) => WebAssembly.compile(output.cores[name] as Uint8Array<ArrayBuffer>)),
    );
  } catch (error) {
    throw new RuntimeError(
      'ERR_COMPILE',
      `cannot compile the component's core modules: ${(error as Error).message}`,
    );
  }
  const instantiate = instantiateOf(await importJs());
  return {
    instantiate,
    cores: new Map(names.map((name, i) => [name, modules[i]!])),
    imports: output.imports,
    exports: output.exports,
    ...(output.js
      ? { source: { js: output.js, cores: new Map(names.map((name) => [name, output.cores[name]!])) } }
      : {}),
  };
}

/** The `instantiate` export of jco's generated module, once imported. */
export function instantiateOf(namespace: unknown): InstantiateFn {
  const fn = (namespace as { instantiate?: unknown } | null)?.instantiate;
  if (typeof fn !== 'function') {
    throw new RuntimeError('ERR_COMPILE', 'the transpiled component has no instantiate function');
  }
  return fn as InstantiateFn;
}

/** An ES module URL for generated code held in memory (Node and browsers both import data: URLs). */
export function moduleDataUrl(js: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < js.length; at += 0x8000) {
    binary += String.fromCharCode(...js.subarray(at, at + 0x8000));
  }
  return `data:text/javascript;base64,${btoa(binary)}`;
}

/** The browser's cache, and the default: transpiles live as long as this object. */
export class MemoryComponentCache implements ComponentCache {
  readonly #entries = new Map<Digest, Promise<TranspiledComponent>>();

  get(digest: Digest): Promise<TranspiledComponent | undefined> {
    return this.#entries.get(digest) ?? Promise.resolve(undefined);
  }

  put(digest: Digest, output: TranspileOutput): Promise<TranspiledComponent> {
    const loaded = loadTranspiled(output, () => import(/* @vite-ignore */ moduleDataUrl(output.js)));
    this.#entries.set(digest, loaded);
    loaded.catch(() => this.#entries.delete(digest));
    return loaded;
  }
}
