// One suite, both drivers: every program behaves the same in shared and vm isolation (stdio, args,
// env, files, host mounts, traps, memory caps, failures to start, concurrent containers).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRuntimeError } from '../../runtime/errors.js';
import type { ContainerSpec, IsolationDriver } from '../../runtime/isolation/types.js';
import { encode, LineReader, readAll, sample, sharedDriver, vmDriver, wat } from './helpers.js';

const drivers: Array<[string, () => IsolationDriver]> = [
  ['shared', sharedDriver],
  ['vm', () => vmDriver(2)],
];

describe.each(drivers)('%s driver', (_mode, make) => {
  const driver = make();
  const temps: string[] = [];
  afterAll(async () => {
    await driver.close();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  async function run(spec: Omit<ContainerSpec, 'stdout' | 'stderr'>) {
    const handle = driver.start({ ...spec, stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, exit] = await Promise.all([
      readAll(handle.stdout),
      readAll(handle.stderr),
      handle.exit,
    ]);
    return { stdout, stderr, ...exit };
  }

  it('runs hello', async () => {
    const r = await run({ module: await sample('hello'), args: ['hello'] });
    expect(r).toMatchObject({ exitCode: 0, reason: 'exit', stdout: 'Hello from wasmbox!\n', stderr: '' });
  });

  it('passes stdin bytes through cat', async () => {
    const r = await run({ module: await sample('cat'), args: ['cat'], stdin: encode('one\ntwo\n') });
    expect(r.stdout).toBe('one\ntwo\n');
    expect(r.exitCode).toBe(0);
  });

  it('gives an empty stdin by default', async () => {
    const r = await run({ module: await sample('echo-lines'), args: ['echo-lines'] });
    expect(r.stdout).toBe('bye\n');
  });

  it('reads files given in the spec, with a working directory set', async () => {
    const r = await run({
      module: await sample('cat'),
      args: ['cat', '/work/notes.txt'],
      files: { '/work/notes.txt': 'from the spec\n' },
      workdir: '/work',
    });
    expect(r.stdout).toBe('from the spec\n');
  });

  it('runs the file-system exerciser in memory and on a host mount', async () => {
    const inMemory = await run({ module: await sample('fsx'), args: ['fsx', '/'] });
    expect(inMemory.stdout).toMatch(/fsx: \d+ checks passed\n$/);
    expect(inMemory.exitCode).toBe(0);
    const host = mkdtempSync(join(tmpdir(), 'wasmbox-iso-'));
    temps.push(host);
    writeFileSync(join(host, 'seen.txt'), 'host file\n');
    const mounted = await run({
      module: await sample('fsx'),
      args: ['fsx', '/mnt'],
      hostMounts: [{ hostPath: host, target: '/mnt' }],
    });
    expect(mounted.stdout).toMatch(/fsx: \d+ checks passed\n$/);
    const cat = await run({
      module: await sample('cat'),
      args: ['cat', '/mnt/seen.txt'],
      hostMounts: [{ hostPath: host, target: '/mnt', readOnly: true }],
    });
    expect(cat.stdout).toBe('host file\n');
  });

  it('reports a bad host mount as a start failure', async () => {
    const handle = driver.start({
      module: await sample('hello'),
      hostMounts: [{ hostPath: '/definitely/not/here', target: '/mnt' }],
    });
    await expect(handle.exit).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('lists only what this container was given', async () => {
    const r = await run({
      module: await sample('ls'),
      args: ['ls', '/'],
      files: { '/a.txt': 'a', '/b/c.txt': 'c' },
    });
    expect(r.stdout).toContain('a.txt');
    expect(r.stdout).toContain('b');
    expect(r.exitCode).toBe(0);
  });

  it('keeps concurrent containers apart: stdio, env and files', async () => {
    const runs = Array.from({ length: 6 }, async (_, i) =>
      run({
        module: await sample('cat'),
        args: ['cat', '/mine.txt', '-'],
        env: { WHO: `c${i}` },
        files: { '/mine.txt': `file of c${i}\n` },
        stdin: encode(`stdin of c${i}\n`),
      }),
    );
    const results = await Promise.all(runs);
    results.forEach((r, i) => {
      expect(r.stdout).toBe(`file of c${i}\nstdin of c${i}\n`);
    });
  });

  it('reports a trap as 134 with a message, and its neighbour is not disturbed', async () => {
    const neighbour = run({ module: await sample('cat'), args: ['cat'], stdin: encode('still here\n') });
    const trapped = await run({ module: await wat('trap') });
    expect(trapped).toMatchObject({ exitCode: 134, reason: 'trap' });
    expect(trapped.stderr).toMatch(/trapped: unreachable/);
    expect((await neighbour).stdout).toBe('still here\n');
    const after = await run({ module: await sample('hello') });
    expect(after.stdout).toBe('Hello from wasmbox!\n');
  });

  it('stops a memory-hungry guest at the cap: grow fails, the host is fine', async () => {
    const capped = await run({ module: await wat('grow', 4 * 1024 * 1024) });
    expect(capped.exitCode).toBe(64);
    const importing = await run({ module: await wat('grow-imported', 1024 * 1024) });
    expect(importing.exitCode).toBe(16);
    const free = await run({ module: await wat('grow') });
    expect(free.exitCode).toBe(255);
  });

  it('rejects a module it cannot run', async () => {
    const { watToBytes } = await import('../helpers/wat.js');
    const module = new WebAssembly.Module(
      watToBytes(
        '(module (import "env" "f" (func)) (memory (export "memory") 1) (func (export "_start")))',
      ) as Uint8Array<ArrayBuffer>,
    );
    const handle = driver.start({ module });
    const error = await handle.exit.catch((e: unknown) => e);
    expect(isRuntimeError(error) && error.code).toBe('ERR_UNSUPPORTED_IMPORT');
  });

  it('answers an interactive guest through stdin and stdout pipes', async () => {
    const handle = driver.start({
      module: await sample('echo-lines'),
      args: ['echo-lines'],
      stdin: 'pipe',
      stdout: 'pipe',
    });
    const writer = handle.stdin!.getWriter();
    const lines = new LineReader(handle.stdout);
    if (driver.mode === 'vm') {
      // A real conversation: each answer arrives before the next line is written.
      await writer.write(encode('first\n'));
      expect(await lines.line()).toBe('you said: first');
      await writer.write(encode('second\n'));
      expect(await lines.line()).toBe('you said: second');
      await writer.close();
    } else {
      // Shared: the guest holds the thread, so all its input is written before it runs (for a
      // real conversation in shared mode, see the ByteSource test in shared.test.ts).
      void writer.write(encode('first\nsecond\n'));
      void writer.close();
      expect(await lines.line()).toBe('you said: first');
      expect(await lines.line()).toBe('you said: second');
    }
    expect(await lines.line()).toBe('bye');
    expect(await handle.exit).toEqual({ exitCode: 0, reason: 'exit' });
  });

  it('streams output to a callback and errors to a sink', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const decoder = new TextDecoder();
    const handle = driver.start({
      module: await sample('cat'),
      args: ['cat', '-', '/missing'],
      stdin: encode('abc\n'),
      stdout: (chunk) => out.push(decoder.decode(chunk)),
      stderr: { write: (chunk) => err.push(decoder.decode(chunk)) },
    });
    expect(await handle.exit).toEqual({ exitCode: 1, reason: 'exit' });
    expect(out.join('')).toBe('abc\n');
    expect(err.join('')).toMatch(/^cat: \/missing: /);
  });

  it('kills a container: status 137', async () => {
    const handle = driver.start({ module: await sample('cat'), stdin: 'pipe' });
    handle.kill('SIGTERM');
    expect(await handle.exit).toEqual({ exitCode: 137, reason: 'killed', message: 'killed by SIGTERM' });
  });

  it('times out an endless loop: status 137 with a timeout message', async () => {
    const exit = await driver.start({ module: await wat('loop'), timeoutMs: 200 }).exit;
    expect(exit).toEqual({
      exitCode: 137,
      reason: 'timeout',
      message: 'timeout: the container ran longer than 200ms and was killed',
    });
    const after = await run({ module: await sample('hello') });
    expect(after.stdout).toBe('Hello from wasmbox!\n');
  });
});

it('sample binaries exist', () => {
  expect(readFileSync(new URL('../../images/wasm/echo-lines.wasm', import.meta.url)).length).toBeGreaterThan(
    0,
  );
});
