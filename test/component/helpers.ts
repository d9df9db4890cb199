// Test helpers for components: preview1 sample modules turned into components with jco's
// preview1 command adapter (what `jco new X.wasm --wasi-command` does), at test time, in memory.

import { readFileSync } from 'node:fs';
import { componentNew, preview1AdapterCommandPath } from '@bytecodealliance/jco';

const wasmDir = new URL('../../images/wasm/', import.meta.url);
let adapter: Uint8Array | undefined;

/** The component `jco new MODULE --wasi-command` makes. */
export async function adaptModule(module: Uint8Array): Promise<Uint8Array> {
  adapter ??= readFileSync(preview1AdapterCommandPath());
  return componentNew(module, [['wasi_snapshot_preview1', adapter]]);
}

export function sampleBytes(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(new URL(`${name}.wasm`, wasmDir)));
}

const components = new Map<string, Promise<Uint8Array>>();

/** images/wasm/NAME.wasm as a component (made once per test file). */
export function sampleComponent(name: string): Promise<Uint8Array> {
  let made = components.get(name);
  if (!made) {
    made = adaptModule(sampleBytes(name));
    components.set(name, made);
  }
  return made;
}
