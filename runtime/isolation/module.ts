// Turns a module binary into a GuestModule once (memory cap applied, imported memory noted), so that
// every start, in this thread or a worker, reuses the same compiled code.

import { limitMemory, pagesFor, readMemories } from '../engine/memory-limit.js';
import { RuntimeError } from '../errors.js';
import type { Guest, GuestComponent, GuestModule, MemoryImportSpec } from './types.js';

export interface PrepareOptions {
  /** Cap on every guest memory, in bytes (rounded down to whole 64 KiB pages). */
  memoryLimit?: number;
  /** `bytes` already compiled: reused when there is no limit to patch in. */
  compiled?: WebAssembly.Module;
}

export async function prepareModule(bytes: Uint8Array, options: PrepareOptions = {}): Promise<GuestModule> {
  const binary =
    options.memoryLimit === undefined ? bytes : limitMemory(bytes, pagesFor(options.memoryLimit));
  let module: WebAssembly.Module;
  if (options.compiled && binary === bytes) module = options.compiled;
  else {
    try {
      module = await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw new RuntimeError('ERR_COMPILE', `invalid WebAssembly module: ${(error as Error).message}`);
    }
  }
  const imported = readMemories(binary).find((m) => m.import);
  if (!imported?.import) return { module };
  const memory: MemoryImportSpec = {
    module: imported.import.module,
    name: imported.import.name,
    initial: imported.initial,
    shared: imported.shared,
    ...(imported.maximum === undefined ? {} : { maximum: imported.maximum }),
  };
  return { module, memory };
}

/** Whether a container's guest is a component (else a preview1 module). */
export function isComponentGuest(guest: Guest): guest is GuestComponent {
  return !(guest instanceof WebAssembly.Module) && 'kind' in guest && guest.kind === 'component';
}

export function asGuest(module: GuestModule | WebAssembly.Module): GuestModule {
  return module instanceof WebAssembly.Module ? { module } : module;
}

/** The memory a container's instance imports: new for every container, never shared between them. */
export function createMemory(spec: MemoryImportSpec): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: spec.initial,
    ...(spec.maximum === undefined ? {} : { maximum: spec.maximum }),
    ...(spec.shared ? { shared: true } : {}),
  } as WebAssembly.MemoryDescriptor);
}

/** runModule's `memoryImport` option for a container of `guest`. */
export function memoryImportFor(
  guest: GuestModule,
): { module: string; name: string; memory: WebAssembly.Memory } | undefined {
  const spec = guest.memory;
  return spec && { module: spec.module, name: spec.name, memory: createMemory(spec) };
}
