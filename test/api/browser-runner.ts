// The page side of browser.test.ts: the shared API cases (and the browser-only ones) against the
// browser entry, in Chromium. Bundled with esbuild; the test calls `runCase(name)` per case.

import { browserWorkerFactory, createRuntime, httpLayoutFiles } from '../../runtime/browser.js';
import { browserCases } from './browser-cases.js';
import type { ApiCase, ApiEnv } from './cases.js';
import { cases } from './cases.js';

let live = 0;
const workers = browserWorkerFactory({
  create: () => new Worker('/worker-entry.js', { type: 'module', name: 'wasmbox-vm' }),
  onCount: (n) => {
    live = n;
  },
});
const files = httpLayoutFiles({ fetch: fetch.bind(globalThis), base: location.origin });

const env: ApiEnv = {
  platform: 'browser',
  createRuntime: (options = {}) => createRuntime({ workers, files, ...options }),
  wasm: async (name) => new Uint8Array(await (await fetch(`/wasm/${name}.wasm`)).arrayBuffer()),
  layout: (name) => `oci:/images/${name}`,
  liveWorkers: () => live,
};

const all = new Map<string, ApiCase>([...cases, ...browserCases].map((c) => [c.name, c]));

declare global {
  interface Window {
    caseNames: string[];
    runCase(name: string): Promise<string | null>;
  }
}

window.caseNames = [...all.keys()];
window.runCase = async (name) => {
  const c = all.get(name);
  if (!c) return `no case named ${name}`;
  try {
    await c.run(env);
    return null;
  } catch (error) {
    return error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  }
};
