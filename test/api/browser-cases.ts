// Cases that only a browser can run: the IndexedDB store keeping images across runtimes, the page
// being cross-origin isolated, and the browser entry's refusals (no host directories).

import { IdbStore } from '../../runtime/platform/browser/idb-store.js';
import { type ApiCase, check, failsWith, same } from './cases.js';

export const browserCases: ApiCase[] = [
  {
    name: 'browser: the page is cross-origin isolated (SharedArrayBuffer for vm isolation)',
    async run() {
      check(globalThis.crossOriginIsolated, 'crossOriginIsolated');
    },
  },
  {
    name: 'browser: images pulled into IndexedDB survive the runtime and run again',
    async run(env) {
      const name = `wasmbox-test-${Math.random().toString(16).slice(2)}`;
      const first = new IdbStore({ name });
      const rt = env.createRuntime({ store: first });
      try {
        const record = await rt.pull(env.layout('hello'));
        check(record.digest.startsWith('sha256:'), 'a record');
      } finally {
        await rt.close();
        await first.close();
      }
      const second = new IdbStore({ name });
      const again = env.createRuntime({ store: second });
      try {
        same((await again.images()).length, 1, 'the image is still there');
        const statuses: string[] = [];
        const result = await again.exec(env.layout('hello'), {
          onProgress: (e) => {
            if (e.type === 'blob') statuses.push(e.status);
          },
        });
        same(result.stdout, 'Hello from wasmbox!\n', 'runs');
        check(
          statuses.length > 0 && statuses.every((s) => s === 'exists'),
          `no blob fetched again: ${statuses}`,
        );
      } finally {
        await again.close();
        await second.close();
        indexedDB.deleteDatabase(name);
      }
    },
  },
  {
    name: 'browser: host directories are refused with ERR_NOT_SUPPORTED',
    async run(env) {
      const rt = env.createRuntime();
      try {
        await failsWith(
          rt.run(await env.wasm('hello'), { mounts: [{ target: '/data', hostPath: '/tmp' }] }),
          'ERR_NOT_SUPPORTED',
          'host mount',
        );
        await failsWith(
          rt.run(await env.wasm('loop'), { timeout: 100 }),
          'ERR_NOT_SUPPORTED',
          'a shared timeout on the main thread',
        );
      } finally {
        await rt.close();
      }
    },
  },
];
