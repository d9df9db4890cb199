// The Node environment for the shared API cases: the Node entry's createRuntime over a temporary
// wasmbox home, the repo's sample programs and image layouts, .wat guests compiled by wat2wasm.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../runtime/index.js';
import { nodeWorkerFactory } from '../../runtime/platform/node/worker.js';
import { watToBytes } from '../helpers/wat.js';
import type { ApiEnv, Guest } from './cases.js';
import { countingWorkers } from './workers.js';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export function guestBytes(name: Guest): Uint8Array {
  if (name === 'write-file' || name === 'loop') {
    return watToBytes(readFileSync(join(repoRoot, 'test', 'api', 'wat', `${name}.wat`), 'utf8'));
  }
  return new Uint8Array(readFileSync(join(repoRoot, 'images', 'wasm', `${name}.wasm`)));
}

export function nodeEnv(): ApiEnv & { home: string } {
  const home = mkdtempSync(join(tmpdir(), 'wasmbox-api-'));
  const workers = countingWorkers(nodeWorkerFactory());
  const cache = new Map<Guest, Uint8Array>();
  return {
    platform: 'node',
    home,
    createRuntime: (options = {}) => createRuntime({ home, env: {}, workers, ...options }),
    wasm: async (name) => {
      let bytes = cache.get(name);
      if (!bytes) {
        bytes = guestBytes(name);
        cache.set(name, bytes);
      }
      return bytes;
    },
    layout: (name) => `oci:${join(repoRoot, 'images', name)}`,
    liveWorkers: () => workers.live(),
  };
}
