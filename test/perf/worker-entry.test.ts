// Which entry a worker boots from dist/ (the bundle unless missing or older than the compiled
// modules), and that workers drop the host's module hooks (--import, --require, --loader).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerFactory } from '../../runtime/isolation/seam.js';
import { withoutModuleHooks } from '../../runtime/platform/node/worker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-worker-entry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each fake entry answers with its name and the options its worker was started with. */
const fakeEntry = (which: string) =>
  `require('node:worker_threads').parentPort.postMessage({ which: ${JSON.stringify(which)}, execArgv: process.execArgv });\n`;

let layouts = 0;

/** A dist-like tree: worker.ts compiled as dist has it, a fake worker-entry.js and maybe a bundle. */
async function distLayout(bundleAge: 'newer' | 'older' | 'missing'): Promise<WorkerFactory> {
  const dist = join(tmp, `dist${layouts++}`);
  const node = join(dist, 'runtime/platform/node');
  mkdirSync(node, { recursive: true });
  const source = readFileSync(join(ROOT, 'runtime/platform/node/worker.ts'), 'utf8');
  writeFileSync(join(node, 'worker.mjs'), transformSync(source, { loader: 'ts', format: 'esm' }).code);
  writeFileSync(join(node, 'worker-entry.js'), fakeEntry('modules'));
  utimesSync(join(node, 'worker-entry.js'), 1000, 1000);
  if (bundleAge !== 'missing') {
    mkdirSync(join(dist, 'node-worker'));
    writeFileSync(join(dist, 'node-worker/entry.cjs'), fakeEntry('bundle'));
    const time = bundleAge === 'newer' ? 2000 : 500;
    utimesSync(join(dist, 'node-worker/entry.cjs'), time, time);
  }
  const worker = (await import(pathToFileURL(join(node, 'worker.mjs')).href)) as {
    nodeWorkerFactory: () => WorkerFactory;
  };
  return worker.nodeWorkerFactory();
}

async function firstMessage(factory: WorkerFactory): Promise<{ which: string; execArgv: string[] }> {
  const worker = factory.spawn();
  try {
    return await new Promise((done, fail) => {
      worker.listen((message) => done(message as never));
      worker.onFailure(fail);
    });
  } finally {
    await worker.terminate();
  }
}

describe('the entry a worker boots from dist/', () => {
  it('is the bundle when it is at least as new as the compiled modules', async () => {
    expect((await firstMessage(await distLayout('newer'))).which).toBe('bundle');
  });

  it('is worker-entry.js when the bundle is older (tsc ran alone) or missing', async () => {
    expect((await firstMessage(await distLayout('older'))).which).toBe('modules');
    expect((await firstMessage(await distLayout('missing'))).which).toBe('modules');
  });

  it("gets the host's execArgv without module hooks", async () => {
    const saved = process.execArgv;
    // A hook that would fail the worker if it ran there.
    const hook = 'data:text/javascript,throw new Error("the host hook ran in the worker")';
    process.execArgv = [...saved, '--import', hook, '--enable-source-maps'];
    try {
      const { execArgv } = await firstMessage(await distLayout('newer'));
      expect(execArgv).toEqual([...withoutModuleHooks(saved), '--enable-source-maps']);
    } finally {
      process.execArgv = saved;
    }
  });
});

describe('withoutModuleHooks', () => {
  it('drops --import, --require/-r and --loader in both spellings, and keeps everything else', () => {
    expect(
      withoutModuleHooks([
        '--require',
        '/tsx/preflight.cjs',
        '--import',
        'file:///tsx/loader.mjs',
        '--enable-source-maps',
        '-r',
        'x.cjs',
        '--import=y.mjs',
        '--experimental-loader=z.mjs',
        '--loader',
        'w.mjs',
        '--stack-size=2000',
      ]),
    ).toEqual(['--enable-source-maps', '--stack-size=2000']);
  });
});
