// Tells a core module (preview1) from a component (preview2) by the binary header.

import { RuntimeError } from '../errors.js';

export type WasmKind = 'module' | 'component';

export function detectWasm(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new RuntimeError('ERR_NOT_WASM', 'not a WebAssembly binary (bad magic number)');
  }
  const version = bytes[4]! | (bytes[5]! << 8);
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (version === 1 && layer === 0) return 'module';
  if (layer === 1) return 'component';
  throw new RuntimeError('ERR_NOT_WASM', `unknown WebAssembly binary version ${version}/${layer}`);
}
