// Test helper: compiles WebAssembly text with Debian's wat2wasm (package wabt) into a module.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function watToBytes(text: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-wat-'));
  try {
    writeFileSync(join(dir, 'm.wat'), text);
    execFileSync('wat2wasm', [join(dir, 'm.wat'), '-o', join(dir, 'm.wasm')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(join(dir, 'm.wasm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function compileWat(text: string): WebAssembly.Module {
  return new WebAssembly.Module(watToBytes(text) as Uint8Array<ArrayBuffer>);
}

/** A command module that calls one WASI function on _start (imports declared by the caller). */
export const WASI = 'wasi_snapshot_preview1';
