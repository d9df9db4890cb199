// The vm driver's own promises: hard timeouts that leave neighbours running, output backpressure,
// a fresh container on a recycled worker, refusals of what cannot cross, a dying worker.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRuntimeError } from '../../runtime/errors.js';
import type { HostWorker, WorkerFactory } from '../../runtime/isolation/seam.js';
import { createVmDriver } from '../../runtime/isolation/vm.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { bytesSource } from '../../runtime/wasi/stdio.js';
import { encode, LineReader, readAll, sample, sharedDriver, vmDriver, wat } from './helpers.js';

describe('vm driver', () => {
  const driver = vmDriver(3);
  beforeAll(() => driver.warm());
  afterAll(() => driver.close());

  it('kills an endless loop within 100 ms of its deadline while neighbours keep running', async () => {
    const chat = driver.start({ module: await sample('echo-lines'), stdin: 'pipe', stdout: 'pipe' });
    const writer = chat.stdin!.getWriter();
    const lines = new LineReader(chat.stdout);
    await writer.write(encode('before\n'));
    expect(await lines.line()).toBe('you said: before');

    const timeoutMs = 400;
    const loopGuest = await wat('loop');
    const started = performance.now();
    const loop = driver.start({ module: loopGuest, timeoutMs });
    // How late this thread itself gets to act at the deadline (a loaded machine): not the kill's fault.
    const lateness = new Promise<number>((resolve) =>
      setTimeout(() => resolve(performance.now() - started - timeoutMs), timeoutMs),
    );
    let loopEnded = false;
    void loop.exit.then(() => {
      loopEnded = true;
    });

    // While the loop spins: the vm neighbour answers, a new vm container and a shared one run.
    await writer.write(encode('during\n'));
    expect(await lines.line()).toBe('you said: during');
    const hello = driver.start({ module: await sample('hello'), stdout: 'pipe' });
    expect(await readAll(hello.stdout)).toBe('Hello from wasmbox!\n');
    const shared = sharedDriver().start({ module: await sample('hello'), stdout: 'pipe' });
    expect(await readAll(shared.stdout)).toBe('Hello from wasmbox!\n');
    expect(loopEnded).toBe(false);

    const exit = await loop.exit;
    const elapsed = performance.now() - started;
    expect(exit).toMatchObject({ exitCode: 137, reason: 'timeout' });
    expect(exit.message).toMatch(/^timeout:/);
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 1);
    expect(elapsed - timeoutMs).toBeLessThan(100 + Math.max(0, await lateness));

    await writer.write(encode('after\n'));
    expect(await lines.line()).toBe('you said: after');
    await writer.close();
    expect(await lines.line()).toBe('bye');
    expect(await chat.exit).toEqual({ exitCode: 0, reason: 'exit' });
  });

  it('kills a guest blocked reading stdin', async () => {
    const handle = driver.start({ module: await sample('cat'), stdin: 'pipe', stdout: 'pipe' });
    const writer = handle.stdin!.getWriter();
    await writer.write(encode('x\n'));
    const reader = handle.stdout!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('x\n');
    handle.kill();
    expect(await handle.exit).toMatchObject({ exitCode: 137, reason: 'killed' });
    expect((await reader.read()).done).toBe(true);
  });

  it('holds a writing guest back until its output is read (backpressure)', async () => {
    const size = 4 * 1024 * 1024;
    const handle = driver.start({
      module: await sample('cat'),
      stdin: new Uint8Array(size).fill(65),
      stdout: 'pipe',
    });
    let ended = false;
    void handle.exit.then(() => {
      ended = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended).toBe(false);
    const out = await new Response(handle.stdout).arrayBuffer();
    expect(out.byteLength).toBe(size);
    expect(await handle.exit).toEqual({ exitCode: 0, reason: 'exit' });
  });

  it('gives every container a fresh filesystem, even on a recycled worker', async () => {
    const single = createVmDriver({
      workers: (await import('../../runtime/platform/node/worker.js')).nodeWorkerFactory(),
      pool: 1,
    });
    try {
      const first = single.start({
        module: await sample('cat'),
        args: ['cat', '/secret'],
        files: { '/secret': 'mine\n' },
        stdout: 'pipe',
      });
      expect(await readAll(first.stdout)).toBe('mine\n');
      await first.exit;
      const second = single.start({ module: await sample('cat'), args: ['cat', '/secret'], stderr: 'pipe' });
      expect(await readAll(second.stderr)).toMatch(/^cat: \/secret: No such file/);
      expect((await second.exit).exitCode).toBe(1);
    } finally {
      await single.close();
    }
  });

  it('refuses live objects that cannot cross to a worker', async () => {
    const module = await sample('hello');
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isRuntimeError(error) ? error.code : 'other';
      }
      return 'none';
    };
    expect(code(() => driver.start({ module, root: new MemFs() }))).toBe('ERR_NOT_SUPPORTED');
    expect(code(() => driver.start({ module, mounts: [{ target: '/m', dir: new MemFs().root }] }))).toBe(
      'ERR_NOT_SUPPORTED',
    );
    expect(code(() => driver.start({ module, stdin: bytesSource(encode('x')) }))).toBe('ERR_NOT_SUPPORTED');
  });
});

it('reports a worker that dies as ERR_WORKER_FAILED', async () => {
  // A stand-in worker that dies as soon as it is given a container: the error path only.
  let failure: (error: Error) => void = () => {};
  const dying: HostWorker = {
    post: () => queueMicrotask(() => failure(new Error('out of memory'))),
    listen: () => {},
    onFailure: (listener) => {
      failure = listener;
    },
    terminate: async () => {},
    hold: () => {},
  };
  const factory: WorkerFactory = { spawn: () => dying };
  const driver = createVmDriver({ workers: factory });
  const handle = driver.start({ module: await sample('hello') });
  await expect(handle.exit).rejects.toMatchObject({
    code: 'ERR_WORKER_FAILED',
    message: "the container's worker died: out of memory",
  });
});
