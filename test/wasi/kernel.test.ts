// The kernel's contract with a guest: exit and trap statuses, refusals before start, deny by
// default, read-only mounts, poll_oneoff and sockets — with tiny .wat guests and the C samples.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runModule } from '../../runtime/engine/run.js';
import { RuntimeError } from '../../runtime/errors.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { bytesSource, CollectSink } from '../../runtime/wasi/stdio.js';
import { compileWat } from '../helpers/wat.js';

const W = 'wasi_snapshot_preview1';
const sample = (name: string) =>
  new WebAssembly.Module(readFileSync(new URL(`../../images/wasm/${name}.wasm`, import.meta.url)));

function errorOf(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RuntimeError) return error;
    throw error;
  }
  throw new Error('expected a RuntimeError');
}

describe('exit status', () => {
  it('a trap ends the guest with 134 and the message on stderr; the host goes on', () => {
    const stderr = new CollectSink();
    const result = runModule(
      compileWat(`(module (memory (export "memory") 1) (func (export "_start") unreachable))`),
      {
        stderr,
      },
    );
    expect(result.exitCode).toBe(134);
    expect(stderr.text()).toMatch(/trapped: unreachable/);
  });

  it('proc_exit ends the guest with its code, never the host', () => {
    const m = compileWat(`(module
      (import "${W}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 42)) unreachable))`);
    expect(runModule(m).exitCode).toBe(42);
    expect(runModule(m).exitCode).toBe(42);
  });

  it('a stack overflow is a trap too', () => {
    const m = compileWat(`(module (memory (export "memory") 1)
      (func $f (call $f)) (func (export "_start") (call $f)))`);
    expect(runModule(m).exitCode).toBe(134);
  });

  it('hello: args, env and exit status pass through', () => {
    const stdout = new CollectSink();
    const result = runModule(sample('hello'), {
      args: ['hello', '--exit', '3', 'a b'],
      env: { GREETING: 'hi' },
      stdout,
    });
    expect(result.exitCode).toBe(3);
    expect(stdout.text()).toBe('Hello from wasmbox!\narg[1]=--exit\narg[2]=3\narg[3]=a b\nGREETING=hi\n');
  });
});

describe('refused before start', () => {
  it('names an import wasmbox does not provide', () => {
    const m = compileWat(
      `(module (import "env" "magic" (func)) (memory (export "memory") 1) (func (export "_start")))`,
    );
    const error = errorOf(() => runModule(m));
    expect(error.code).toBe('ERR_UNSUPPORTED_IMPORT');
    expect(error.message).toContain('env.magic');
  });

  it('names an unknown preview1 function', () => {
    const m = compileWat(
      `(module (import "${W}" "fd_teleport" (func)) (memory (export "memory") 1) (func (export "_start")))`,
    );
    expect(errorOf(() => runModule(m)).message).toContain('wasi_snapshot_preview1.fd_teleport');
  });

  it('a module without _start is not a command', () => {
    const m = compileWat(`(module (memory (export "memory") 1) (func (export "main")))`);
    expect(errorOf(() => runModule(m)).code).toBe('ERR_NO_START');
  });
});

describe('deny by default', () => {
  it('no environment, empty stdin, no files', () => {
    const stdout = new CollectSink();
    expect(runModule(sample('hello'), { args: ['hello'], stdout }).exitCode).toBe(0);
    expect(stdout.text()).toBe('Hello from wasmbox!\n');

    const cat = new CollectSink();
    expect(runModule(sample('cat'), { args: ['cat'], stdout: cat }).exitCode).toBe(0);
    expect(cat.text()).toBe('');

    const stderr = new CollectSink();
    expect(runModule(sample('ls'), { args: ['ls', '/'], stderr }).exitCode).not.toBe(0);
  });

  it('stdin is read when granted', () => {
    const stdout = new CollectSink();
    const stdin = bytesSource(new TextEncoder().encode('one\ntwo\n'));
    expect(runModule(sample('echo-lines'), { args: ['e'], stdin, stdout }).exitCode).toBe(0);
    expect(stdout.text()).toBe('you said: one\nyou said: two\nbye\n');
  });
});

describe('file systems', () => {
  it('fsx passes on an in-memory root', () => {
    const fs = new MemFs();
    const stdout = new CollectSink();
    const code = runModule(sample('fsx'), {
      args: ['fsx', '/'],
      preopens: [{ guestPath: '/', dir: fs.root, containerRoot: true }],
      stdout,
    }).exitCode;
    expect(stdout.text()).toMatch(/fsx: \d+ checks passed/);
    expect(code).toBe(0);
  });

  it('a read-only mount refuses every write with EROFS and keeps its data', () => {
    const fs = new MemFs();
    const ro = new MemFs();
    ro.root.createFile('data', 0o644).open(true).write(new TextEncoder().encode('keep'), 0);
    ro.readOnly = true;
    fs.root.mkdir('ro', 0o755);
    fs.root.mount('ro', ro.root);
    const preopens = [{ guestPath: '/', dir: fs.root, containerRoot: true }];

    const out = new CollectSink();
    expect(runModule(sample('cat'), { args: ['cat', '/ro/data'], preopens, stdout: out }).exitCode).toBe(0);
    expect(out.text()).toBe('keep');

    const err = new CollectSink();
    expect(runModule(sample('fsx'), { args: ['fsx', '/ro'], preopens, stdout: err }).exitCode).not.toBe(0);
    expect(
      runModule(sample('iobench'), { args: ['iobench', 'write-read', '/ro/data', '1'], preopens }).exitCode,
    ).not.toBe(0);
    expect([...ro.root.entries.keys()]).toEqual(['data']);
    const buf = new Uint8Array(10);
    const n = (ro.root.get('data') as ReturnType<typeof ro.root.createFile>).open(false).read(buf, 0);
    expect(new TextDecoder().decode(buf.subarray(0, n))).toBe('keep');
  });
});

describe('poll_oneoff and sockets', () => {
  it('wakes on the earliest of several clocks', () => {
    const m = compileWat(`(module
      (import "${W}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (import "${W}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 0) (i64.const 11))
        (i32.store (i32.const 16) (i32.const 1))
        (i64.store (i32.const 24) (i64.const 1000000000))
        (i64.store (i32.const 48) (i64.const 22))
        (i32.store (i32.const 64) (i32.const 1))
        (i64.store (i32.const 72) (i64.const 1000000))
        (drop (call $poll (i32.const 0) (i32.const 200) (i32.const 2) (i32.const 400)))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 400)) (i32.const 100))
                             (i32.wrap_i64 (i64.load (i32.const 200)))))))`);
    expect(runModule(m).exitCode).toBe(122);
  });

  it('an fd subscription that is ready returns at once, before a clock', () => {
    const m = compileWat(`(module
      (import "${W}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (import "${W}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 0) (i64.const 5))
        (i32.store (i32.const 16) (i32.const 1))
        (i64.store (i32.const 24) (i64.const 60000000000))
        (i64.store (i32.const 48) (i64.const 7))
        (i32.store8 (i32.const 56) (i32.const 2))
        (i32.store (i32.const 64) (i32.const 1))
        (drop (call $poll (i32.const 0) (i32.const 200) (i32.const 2) (i32.const 400)))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 400)) (i32.const 100))
                             (i32.wrap_i64 (i64.load (i32.const 200)))))))`);
    expect(runModule(m).exitCode).toBe(107);
  });

  it('sock_* answer NOTSOCK for a valid fd and BADF for an invalid one, never trap', () => {
    const m = (fd: number) =>
      compileWat(`(module
      (import "${W}" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
      (import "${W}" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
      (import "${W}" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
      (import "${W}" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (if (i32.ne (call $send (i32.const ${fd}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8))
                    (call $recv (i32.const ${fd}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 16)))
          (then (call $exit (i32.const 255))))
        (call $exit (call $accept (i32.const ${fd}) (i32.const 0) (i32.const 8)))))`);
    expect(runModule(m(1)).exitCode).toBe(57);
    expect(runModule(m(99)).exitCode).toBe(8);
  });
});
