// The vm worker bundle (scripts/build-worker.mjs) runs containers as the worker-entry modules do:
// modules, image layers, returned upper layers, components, typed errors; V8 takes its code cache.
// Built into a temp dir.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { prepareComponent } from '../../runtime/isolation/component.js';
import type { ContainerSpec, LayerBlob } from '../../runtime/isolation/types.js';
import { createVmDriver, type VmDriver } from '../../runtime/isolation/vm.js';
import { nodeWorkerFactory } from '../../runtime/platform/node/worker.js';
import { assemble, WAT } from '../component/wat.js';
import { layeredImage } from '../container/helpers.js';
import { sample, wat } from '../isolation/helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-worker-bundle-'));
const entry = join(tmp, 'entry.cjs');
let vm: VmDriver;

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-worker.mjs'), '--outdir', tmp]);
  vm = createVmDriver({ workers: nodeWorkerFactory({ entry: pathToFileURL(entry) }), pool: 1 });
});
afterAll(async () => {
  await vm.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(spec: ContainerSpec) {
  const out: string[] = [];
  const decoder = new TextDecoder();
  const exit = await vm.start({ ...spec, stdout: (bytes) => out.push(decoder.decode(bytes)) }).exit;
  return { ...exit, stdout: out.join('') };
}

describe('the node worker bundle', () => {
  it('is one loader, one bundle and its code cache, which V8 accepts', async () => {
    expect(readdirSync(tmp).sort()).toEqual([
      'entry.cjs',
      expect.stringMatching(/^worker-[0-9a-f]{16}\.cache$/),
      expect.stringMatching(/^worker-[0-9a-f]{16}\.cjs$/),
    ]);
    // Booted as the build boots it to make the cache: it reports whether V8 took the one on disk.
    const worker = new Worker(entry, { env: {}, workerData: { wasmboxCodeCache: 'make' } });
    try {
      const reply = await new Promise<{ rejected?: boolean }>((done, fail) => {
        worker.on('message', (m: { codeCache?: Uint8Array; rejected?: boolean }) => m.codeCache && done(m));
        worker.on('error', fail);
      });
      expect(reply.rejected).toBe(false);
    } finally {
      await worker.terminate();
    }
  });

  it('runs a preview1 module', async () => {
    const result = await run({ module: await sample('hello'), args: ['hello', 'bundle'] });
    expect(result).toMatchObject({ exitCode: 0, reason: 'exit' });
    expect(result.stdout).toContain('bundle');
  });

  it('reports a trap as status 134 and keeps serving', async () => {
    expect(await run({ module: await wat('trap') })).toMatchObject({ exitCode: 134, reason: 'trap' });
    expect(await run({ module: await sample('hello') })).toMatchObject({ exitCode: 0 });
  });

  it('unpacks image layers (gzip, whiteouts) and returns the upper layer when asked', async () => {
    const image = await layeredImage(new MemoryStore());
    const layers: LayerBlob[] = await Promise.all(
      image.image.layers.map(async (l) => ({
        digest: l.digest,
        mediaType: l.mediaType,
        bytes: await image.store.read(l.digest),
      })),
    );
    const cat = await sample('cat');
    const result = await run({ module: cat, args: ['cat', '/etc/motd'], layers, returnUpper: true });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'layer 2\n' });
    expect(result.upperTar).toBeDefined();
    const gone = await run({ module: cat, args: ['cat', '/data/gone.txt'], layers });
    expect(gone.exitCode).not.toBe(0);
    expect(gone.upperTar).toBeUndefined();
  });

  it('runs a preview2 component (its engine loads lazily inside the bundle)', async () => {
    const component = await prepareComponent(await assemble(WAT.hello), {
      cache: new MemoryComponentCache(),
    });
    expect(await run({ module: component })).toMatchObject({
      exitCode: 0,
      stdout: 'hello from a hand-made component\n',
    });
  });

  it('a RuntimeError from the worker keeps its code (one RuntimeError class in the bundle)', async () => {
    const exit = vm.start({
      module: await sample('hello'),
      hostMounts: [{ target: '/data', hostPath: join(tmp, 'no-such-dir') }],
    }).exit;
    await expect(exit).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
