// The --memory binary patcher: limits are read and rewritten for defined and imported memories, and
// a guest capped this way sees memory.grow fail at the cap.

import { describe, expect, it } from 'vitest';
import { limitMemory, readMemories, WASM_PAGE } from '../../runtime/engine/memory-limit.js';
import { runModule } from '../../runtime/engine/run.js';
import { isRuntimeError } from '../../runtime/errors.js';
import { memoryImportFor, prepareModule } from '../../runtime/isolation/module.js';
import { watToBytes } from '../helpers/wat.js';
import { sampleBytes, watBytes } from './helpers.js';

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRuntimeError(error) ? error.code : 'not a RuntimeError';
  }
  return undefined;
}

async function runCapped(bytes: Uint8Array, memoryLimit?: number): Promise<number> {
  const guest = await prepareModule(bytes, memoryLimit === undefined ? {} : { memoryLimit });
  const memoryImport = memoryImportFor(guest);
  return runModule(guest.module, memoryImport ? { memoryImport } : {}).exitCode;
}

describe('readMemories', () => {
  it('reads the defined memory of a C program', () => {
    const [memory, ...rest] = readMemories(sampleBytes('hello'));
    expect(rest).toEqual([]);
    expect(memory?.import).toBeUndefined();
    expect(memory?.initial).toBeGreaterThan(0);
    expect(memory?.shared).toBe(false);
  });

  it('reads an imported memory with its name and limits', () => {
    expect(readMemories(watBytes('grow-imported'))).toEqual([
      {
        import: { module: 'env', name: 'memory' },
        initial: 1,
        maximum: 65536,
        shared: false,
        memory64: false,
      },
    ]);
  });

  it('refuses what is not a core module', () => {
    expect(errorCode(() => readMemories(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])))).toBe('ERR_NOT_WASM');
    expect(errorCode(() => readMemories(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0])))).toBe(
      'ERR_NOT_SUPPORTED',
    );
  });
});

describe('limitMemory', () => {
  it('adds a maximum to a memory that had none, and leaves a valid module', () => {
    const bytes = watBytes('grow');
    expect(readMemories(bytes)[0]?.maximum).toBeUndefined();
    const capped = limitMemory(bytes, 32);
    expect(readMemories(capped)[0]).toMatchObject({ initial: 1, maximum: 32 });
    expect(WebAssembly.validate(capped as Uint8Array<ArrayBuffer>)).toBe(true);
  });

  it('lowers a larger maximum and keeps a smaller one', () => {
    const bytes = watToBytes('(module (memory 2 10))');
    expect(readMemories(limitMemory(bytes, 5))[0]?.maximum).toBe(5);
    expect(readMemories(limitMemory(bytes, 50))[0]?.maximum).toBe(10);
  });

  it('re-encodes a section whose limits grow longer in LEB128', () => {
    // flags + initial (2 bytes) become flags + initial + a 2-byte maximum.
    const bytes = watToBytes('(module (memory 1) (func (export "f") (result i32) (memory.size)))');
    const capped = limitMemory(bytes, 1000);
    expect(capped.length).toBe(bytes.length + 2);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(capped as Uint8Array<ArrayBuffer>));
    expect((instance.exports.f as () => number)()).toBe(1);
  });

  it('re-encodes a section size that crosses 127 bytes', () => {
    // An import section of exactly 127 bytes grows to 129: its size takes a second LEB128 byte.
    const bytes = watToBytes(`(module (import "${'m'.repeat(115)}" "memory" (memory 1)))`);
    const capped = limitMemory(bytes, 1000);
    expect(capped.length).toBe(bytes.length + 3);
    expect(WebAssembly.validate(capped as Uint8Array<ArrayBuffer>)).toBe(true);
    expect(readMemories(capped)[0]).toMatchObject({ initial: 1, maximum: 1000 });
  });

  it('caps an imported memory too', () => {
    expect(readMemories(limitMemory(watBytes('grow-imported'), 16))[0]?.maximum).toBe(16);
  });

  it('refuses a module that needs more than the cap to start', () => {
    expect(errorCode(() => limitMemory(watBytes('big-memory'), 16))).toBe('ERR_CANNOT_START');
  });

  it('makes a growing guest see memory.grow fail at the cap (defined memory)', async () => {
    expect(await runCapped(watBytes('grow'), 2 * 1024 * 1024)).toBe((2 * 1024 * 1024) / WASM_PAGE);
    expect(await runCapped(watBytes('grow'))).toBe(255);
  });

  it('makes a growing guest see memory.grow fail at the cap (imported memory)', async () => {
    expect(await runCapped(watBytes('grow-imported'), 1024 * 1024)).toBe(16);
    expect(await runCapped(watBytes('grow-imported'))).toBe(255);
  });

  it('keeps a real C program working under a cap it fits in', async () => {
    const bytes = sampleBytes('hello');
    const initial = readMemories(bytes)[0]!.initial;
    expect(await runCapped(bytes, (initial + 1) * WASM_PAGE)).toBe(0);
  });
});
