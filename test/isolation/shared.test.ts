// The shared driver's own behaviour: a real conversation through a synchronous source, the vm
// watchdog stopping a guest in the caller's thread, and the limits of what shared mode can stop.

import { describe, expect, it } from 'vitest';
import { isRuntimeError } from '../../runtime/errors.js';
import { createSharedDriver } from '../../runtime/isolation/shared.js';
import type { ByteSource } from '../../runtime/wasi/stdio.js';
import { encode, sample, sharedDriver, wat } from './helpers.js';

const decoder = new TextDecoder();

describe('shared driver', () => {
  it('talks with an interactive guest through a ByteSource: each answer before the next line', async () => {
    let output = '';
    const script = ['hello\n', 'world\n'];
    const seenBeforeEachRead: string[] = [];
    const source: ByteSource = {
      read() {
        seenBeforeEachRead.push(output);
        const line = script.shift();
        return line ? encode(line) : new Uint8Array(0);
      },
    };
    const handle = sharedDriver().start({
      module: await sample('echo-lines'),
      stdin: source,
      stdout: (chunk) => {
        output += decoder.decode(chunk);
      },
    });
    expect(await handle.exit).toEqual({ exitCode: 0, reason: 'exit' });
    expect(seenBeforeEachRead).toEqual(['', 'you said: hello\n', 'you said: hello\nyou said: world\n']);
    expect(output).toBe('you said: hello\nyou said: world\nbye\n');
  });

  it('stops an endless loop in the caller thread at its timeout, and the thread goes on', async () => {
    const driver = sharedDriver();
    const started = performance.now();
    const exit = await driver.start({ module: await wat('loop'), timeoutMs: 150 }).exit;
    expect(exit).toMatchObject({ exitCode: 137, reason: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(149);
    let out = '';
    await driver.start({ module: await sample('hello'), stdout: (c) => (out += decoder.decode(c)) }).exit;
    expect(out).toBe('Hello from wasmbox!\n');
  });

  it('refuses a timeout on a platform that cannot interrupt the thread', async () => {
    const driver = createSharedDriver();
    let code: string | undefined;
    try {
      driver.start({ module: await sample('hello'), timeoutMs: 100 });
    } catch (error) {
      code = isRuntimeError(error) ? error.code : 'other';
    }
    expect(code).toBe('ERR_NOT_SUPPORTED');
  });

  it('honours kill() from a host callback at the next stdio call', async () => {
    const chunks: Uint8Array[] = [];
    // With 'pipe' stdin the guest starts a macrotask later, so the callback can reach the handle.
    const handle = sharedDriver().start({
      module: await sample('cat'),
      stdin: 'pipe',
      stdout: (chunk) => {
        chunks.push(chunk);
        if (chunks.length === 3) handle.kill();
      },
    });
    const writer = handle.stdin!.getWriter();
    void writer.write(new Uint8Array(1024 * 1024).fill(65));
    void writer.close();
    expect(await handle.exit).toMatchObject({ exitCode: 137, reason: 'killed' });
    expect(chunks).toHaveLength(3);
  });

  it('fails a guest that waits for piped stdin nobody closed, instead of hanging the thread', async () => {
    const handle = sharedDriver().start({ module: await sample('cat'), stdin: 'pipe' });
    const writer = handle.stdin!.getWriter();
    void writer.write(encode('partial\n'));
    await expect(handle.exit).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
  });

  it('kills a container that has not started yet', async () => {
    const handle = sharedDriver().start({ module: await sample('cat'), stdin: 'pipe' });
    handle.kill('SIGINT');
    expect(await handle.exit).toEqual({ exitCode: 137, reason: 'killed', message: 'killed by SIGINT' });
  });
});
