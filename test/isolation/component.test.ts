// Preview2 components under both isolation drivers: the sample programs (as components made with
// jco's preview1 adapter) behave the same in shared and vm mode and as the modules do; timeouts,
// kill and --memory stop a component like a module; a vm worker gets the transpile, never jco.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { isRuntimeError } from '../../runtime/errors.js';
import { prepareComponent } from '../../runtime/isolation/component.js';
import type { HostToWorker } from '../../runtime/isolation/protocol.js';
import type { ContainerSpec, GuestComponent, IsolationDriver } from '../../runtime/isolation/types.js';
import { createVmDriver } from '../../runtime/isolation/vm.js';
import { nodeWorkerFactory } from '../../runtime/platform/node/worker.js';
import { sampleComponent } from '../component/helpers.js';
import { assemble, WAT } from '../component/wat.js';
import { COMPONENT_WAT } from './component-wat.js';
import { encode, LineReader, readAll, sample, sharedDriver, vmDriver } from './helpers.js';

/** One transpile per component for the whole file, as the CLI's disk cache gives across runs. */
const cache = new MemoryComponentCache();

async function guest(bytes: Uint8Array | Promise<Uint8Array>, memoryLimit?: number): Promise<GuestComponent> {
  return prepareComponent(await bytes, { cache, ...(memoryLimit === undefined ? {} : { memoryLimit }) });
}

const sampleGuest = (name: string, memoryLimit?: number) => guest(sampleComponent(name), memoryLimit);
const watGuest = (wat: string, memoryLimit?: number) => guest(assemble(wat), memoryLimit);

interface Outcome {
  exitCode: number;
  reason: string;
  message?: string;
  stdout: string;
  stderr: string;
}

describe('components under the shared and vm drivers', () => {
  const shared = sharedDriver();
  const vm = vmDriver(2);
  const temps: string[] = [];
  beforeAll(() => vm.warm());
  afterAll(async () => {
    await vm.close();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  async function run(
    driver: IsolationDriver,
    spec: Omit<ContainerSpec, 'stdout' | 'stderr'>,
  ): Promise<Outcome> {
    const handle = driver.start({ ...spec, stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, exit] = await Promise.all([
      readAll(handle.stdout),
      readAll(handle.stderr),
      handle.exit,
    ]);
    return { ...exit, stdout, stderr };
  }

  /** Runs the spec in both modes, expects the same outcome, and returns it. */
  async function both(spec: Omit<ContainerSpec, 'stdout' | 'stderr'>): Promise<Outcome> {
    const inShared = await run(shared, spec);
    const inVm = await run(vm, spec);
    expect(inVm).toEqual(inShared);
    return inShared;
  }

  it('hello: greeting, arguments and only the given environment, as the module prints them', async () => {
    const spec = { args: ['hello', 'a', 'b c'], env: { GREETING: 'hi there' } };
    const component = await both({ module: await sampleGuest('hello'), ...spec });
    expect(component).toEqual({
      exitCode: 0,
      reason: 'exit',
      stdout: 'Hello from wasmbox!\narg[1]=a\narg[2]=b c\nGREETING=hi there\n',
      stderr: '',
    });
    expect(await run(shared, { module: await sample('hello'), ...spec })).toEqual(component);
  });

  it('cat: stdin bytes, files from the spec in the working directory, a missing file', async () => {
    const files = { '/work/notes.txt': 'from the spec\n' };
    const ok = await both({
      module: await sampleGuest('cat'),
      args: ['cat', '/work/notes.txt', '-'],
      files,
      workdir: '/work',
      stdin: encode('from stdin\n'),
    });
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'from the spec\nfrom stdin\n', stderr: '' });
    const missing = await both({ module: await sampleGuest('cat'), args: ['cat', '/nope'], files });
    expect(missing).toMatchObject({ exitCode: 1, stderr: 'cat: /nope: No such file or directory\n' });
  });

  it('fsx: every file-system check passes in memory and on a host mount', async () => {
    const inMemory = await both({ module: await sampleGuest('fsx'), args: ['fsx', '/'] });
    expect(inMemory.exitCode).toBe(0);
    expect(inMemory.stdout).not.toContain('FAIL');
    expect(inMemory.stdout).toMatch(/\nfsx: \d+ checks passed\n$/);
    const module = await run(shared, { module: await sample('fsx'), args: ['fsx', '/'] });
    expect(inMemory).toEqual(module);

    const host = mkdtempSync(join(tmpdir(), 'wasmbox-iso-component-'));
    temps.push(host);
    writeFileSync(join(host, 'seen.txt'), 'host file\n');
    const mounted = await both({
      module: await sampleGuest('fsx'),
      args: ['fsx', '/mnt'],
      hostMounts: [{ hostPath: host, target: '/mnt' }],
    });
    expect(mounted).toMatchObject({ exitCode: 0, stderr: '' });
    expect(mounted.stdout).toMatch(/\nfsx: \d+ checks passed\n$/);
    const readOnly = await both({
      module: await sampleGuest('cat'),
      args: ['cat', '/mnt/seen.txt'],
      hostMounts: [{ hostPath: host, target: '/mnt', readOnly: true }],
    });
    expect(readOnly.stdout).toBe('host file\n');
  });

  it('echo-lines: a conversation through a stdin pipe in vm mode; the same lines in shared mode', async () => {
    const component = await sampleGuest('echo-lines');
    const conversation = vm.start({ module: component, stdin: 'pipe', stdout: 'pipe' });
    const writer = conversation.stdin!.getWriter();
    const lines = new LineReader(conversation.stdout);
    // Each answer arrives before the next line is written: the guest blocks in its worker.
    await writer.write(encode('first\n'));
    expect(await lines.line()).toBe('you said: first');
    await writer.write(encode('second\n'));
    expect(await lines.line()).toBe('you said: second');
    await writer.close();
    expect(await lines.line()).toBe('bye');
    expect(await lines.line()).toBeUndefined();
    expect(await conversation.exit).toEqual({ exitCode: 0, reason: 'exit' });

    // Shared: the guest holds the thread, so its input is all written before it runs.
    const inShared = shared.start({ module: component, stdin: 'pipe', stdout: 'pipe' });
    const sharedWriter = inShared.stdin!.getWriter();
    void sharedWriter.write(encode('first\nsecond\n'));
    void sharedWriter.close();
    expect(await readAll(inShared.stdout)).toBe('you said: first\nyou said: second\nbye\n');
    expect(await inShared.exit).toEqual({ exitCode: 0, reason: 'exit' });
  });

  it('passes exit codes and reports traps (134) the same way', async () => {
    expect(await both({ module: await watGuest(WAT.exitWithCode(42)) })).toMatchObject({
      exitCode: 42,
      reason: 'exit',
    });
    const trap = await both({ module: await watGuest(WAT.trap) });
    expect(trap).toMatchObject({ exitCode: 134, reason: 'trap', stdout: '' });
    expect(trap.message).toMatch(/^the guest trapped: .*unreachable/);
    expect(trap.stderr).toMatch(/^wasmbox: the guest trapped: /);
  });

  it('refuses a component importing what wasmbox does not provide, in both modes', async () => {
    const module = await watGuest(WAT.importing('wasi:sockets/tcp@0.2.0', 'connect'));
    for (const driver of [shared, vm]) {
      const error = await driver.start({ module }).exit.catch((e: unknown) => e);
      expect(isRuntimeError(error) && error.code).toBe('ERR_UNSUPPORTED_IMPORT');
      expect((error as Error).message).toMatch(/imports wasi:sockets\/tcp, which is refused/);
    }
  });

  it('stops a memory-hungry component at the cap: its memory.grow fails in the guest', async () => {
    const capped = await both({ module: await watGuest(COMPONENT_WAT.grow, 4 << 20) });
    expect(capped).toMatchObject({ exitCode: 64, reason: 'exit' });
    const uncapped = await both({ module: await watGuest(COMPONENT_WAT.grow) });
    expect(uncapped).toMatchObject({ exitCode: 255, reason: 'exit' });
    // A sample program gets its cap on the adapter's imported memory too, and still runs under it.
    const hello = await both({ module: await sampleGuest('hello', 4 << 20), args: ['hello'] });
    expect(hello).toMatchObject({ exitCode: 0, stdout: 'Hello from wasmbox!\n' });
  });

  it('refuses a component whose core module needs more memory at start than the cap', async () => {
    const error = await watGuest(COMPONENT_WAT.big, 1 << 20).catch((e: unknown) => e);
    expect(isRuntimeError(error) && error.code).toBe('ERR_CANNOT_START');
    expect((error as Error).message).toMatch(/^component\.core\.wasm: .*more than the limit of 1024 KiB/);
  });

  it('kills an endless loop at its timeout: vm terminates the worker, shared uses the watchdog', async () => {
    const loop = await watGuest(COMPONENT_WAT.loop);
    for (const driver of [vm, shared]) {
      const exit = await driver.start({ module: loop, timeoutMs: 200 }).exit;
      expect(exit).toEqual({
        exitCode: 137,
        reason: 'timeout',
        message: 'timeout: the container ran longer than 200ms and was killed',
      });
    }
    // Both drivers go on: the vm pool replaced the killed worker, the shared thread is free.
    expect(await both({ module: await sampleGuest('hello'), args: ['hello'] })).toMatchObject({
      exitCode: 0,
      stdout: 'Hello from wasmbox!\n',
    });
  });

  it('kills a component blocked reading stdin in vm mode', async () => {
    const handle = vm.start({ module: await sampleGuest('cat'), stdin: 'pipe', stdout: 'pipe' });
    const writer = handle.stdin!.getWriter();
    await writer.write(encode('x\n'));
    const reader = handle.stdout!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('x\n');
    handle.kill('SIGTERM');
    expect(await handle.exit).toEqual({ exitCode: 137, reason: 'killed', message: 'killed by SIGTERM' });
    expect((await reader.read()).done).toBe(true);
  });

  it("posts the host's transpile to the worker: generated JS and compiled core modules, no function", async () => {
    const posted: HostToWorker[] = [];
    const workers = nodeWorkerFactory();
    const spying = createVmDriver({
      workers: {
        spawn() {
          const worker = workers.spawn();
          return {
            post(message) {
              posted.push(message);
              worker.post(message);
            },
            listen: (listener) => worker.listen(listener),
            onFailure: (listener) => worker.onFailure(listener),
            terminate: () => worker.terminate(),
            hold: (held) => worker.hold(held),
          };
        },
      },
    });
    try {
      const component = await sampleGuest('hello');
      expect(component.instantiate).toBeTypeOf('function');
      const out = await run(spying, { module: component, args: ['hello'] });
      expect(out).toMatchObject({ exitCode: 0, stdout: 'Hello from wasmbox!\n' });
      const sent = posted[0]?.spec.module as GuestComponent;
      expect(sent).toMatchObject({ kind: 'component', digest: component.digest, js: component.js });
      expect(Object.hasOwn(sent, 'instantiate')).toBe(false);
      expect([...sent.cores.values()].every((m) => m instanceof WebAssembly.Module)).toBe(true);
      expect([...sent.cores.keys()]).toEqual([...component.cores.keys()]);
    } finally {
      await spying.close();
    }
  });

  it('runs a component that carries no loaded instantiate (as a worker receives it) in shared mode', async () => {
    const { instantiate: _loaded, ...data } = await sampleGuest('hello');
    const outcome = await run(shared, { module: data, args: ['hello'] });
    expect(outcome).toMatchObject({ exitCode: 0, stdout: 'Hello from wasmbox!\n' });
  });
});
