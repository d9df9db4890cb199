// runComponent with hand-made components: exit statuses, traps, refused imports, and the
// cases that must fail before the guest starts.

import { describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { runComponent } from '../../runtime/component/run.js';
import { RuntimeError } from '../../runtime/errors.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';
import { sampleBytes } from './helpers.js';
import { assemble, WAT } from './wat.js';

const cache = new MemoryComponentCache();

async function run(wat: string) {
  const stdout = new CollectSink();
  const stderr = new CollectSink();
  const result = await runComponent(await assemble(wat), { stdout, stderr, cache });
  return { ...result, stdout: stdout.text(), stderr: stderr.text() };
}

async function refusal(bytes: Uint8Array | Promise<Uint8Array>): Promise<RuntimeError> {
  const error = await runComponent(await bytes, { cache }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RuntimeError);
  return error as RuntimeError;
}

describe('runComponent with hand-made components', () => {
  it('writes to stdout through wasi:cli/stdout and wasi:io/streams', async () => {
    expect(await run(WAT.hello)).toEqual({
      exitCode: 0,
      stdout: 'hello from a hand-made component\n',
      stderr: '',
    });
  });

  it('exit: ok → 0, err → 1, exit-with-code passes its code', async () => {
    expect((await run(WAT.exit(false))).exitCode).toBe(0);
    expect((await run(WAT.exit(true))).exitCode).toBe(1);
    expect((await run(WAT.exitWithCode(42))).exitCode).toBe(42);
    expect((await run(WAT.exitWithCode(0))).exitCode).toBe(0);
  });

  it('run returning err gives 1', async () => {
    expect((await run(WAT.runErr)).exitCode).toBe(1);
  });

  it('a trap gives 134 and a line on stderr; the host goes on', async () => {
    const trapped = await run(WAT.trap);
    expect(trapped.exitCode).toBe(134);
    expect(trapped.stderr).toMatch(/^wasmbox: the guest trapped: .*unreachable/);
    expect((await run(WAT.hello)).exitCode).toBe(0);
  });
});

describe('refused before start', () => {
  it('wasi:sockets and wasi:http, naming the import', async () => {
    const sockets = await refusal(assemble(WAT.importing('wasi:sockets/tcp-create-socket@0.2.0', 'f')));
    expect(sockets.code).toBe('ERR_UNSUPPORTED_IMPORT');
    expect(sockets.message).toMatch(/wasi:sockets\/tcp-create-socket.*refused: network access is denied/);
    const http = await refusal(assemble(WAT.importing('wasi:http/outgoing-handler@0.2.0', 'handle')));
    expect(http.code).toBe('ERR_UNSUPPORTED_IMPORT');
    expect(http.message).toMatch(/wasi:http\/outgoing-handler.*refused/);
  });

  it('an interface wasmbox does not provide', async () => {
    const error = await refusal(assemble(WAT.importing('acme:widgets/spin@1.0.0', 'go')));
    expect(error.code).toBe('ERR_UNSUPPORTED_IMPORT');
    expect(error.message).toBe('the component imports acme:widgets/spin, which wasmbox does not provide');
  });

  it('a function missing from an interface wasmbox provides', async () => {
    const error = await refusal(assemble(WAT.importing('wasi:cli/environment@0.2.0', 'get-everything')));
    expect(error.code).toBe('ERR_UNSUPPORTED_IMPORT');
    expect(error.message).toMatch(/wasi:cli\/environment#getEverything/);
  });

  it('a component without wasi:cli/run', async () => {
    expect((await refusal(assemble(WAT.library))).code).toBe('ERR_NO_START');
  });

  it('a core module, a non-wasm file, a broken component', async () => {
    expect((await refusal(sampleBytes('hello'))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await refusal(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).code).toBe('ERR_NOT_WASM');
    const broken = Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff]);
    expect((await refusal(broken)).code).toBe('ERR_COMPILE');
  });
});
