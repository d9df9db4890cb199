// Checks the committed sample programs (images/wasm/*.wasm) against node:wasi, as a reference
// host independent of wasmbox: if these fail, the sample is wrong, not the kernel.
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { afterEach, describe, expect, it } from 'vitest';

const wasmDir = new URL('../images/wasm/', import.meta.url);
const modules = new Map<string, WebAssembly.Module>();
const tempDirs: string[] = [];

interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  root?: string; // host directory preopened as "/"; a fresh empty one by default
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-samples-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  let module = modules.get(name);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(new URL(`${name}.wasm`, wasmDir)));
    modules.set(name, module);
  }
  const io = tempDir();
  const root = options.root ?? tempDir();
  writeFileSync(join(io, 'stdin'), options.stdin ?? '');
  const fds = [
    openSync(join(io, 'stdin'), 'r'),
    openSync(join(io, 'stdout'), 'w'),
    openSync(join(io, 'stderr'), 'w'),
  ];
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: [name, ...args],
      env: options.env ?? {},
      preopens: { '/': root },
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    const code = wasi.start(instance);
    return {
      code,
      stdout: readFileSync(join(io, 'stdout'), 'utf8'),
      stderr: readFileSync(join(io, 'stderr'), 'utf8'),
    };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

describe('sample programs under node:wasi', () => {
  it('hello prints greeting, args, GREETING and exits with --exit N', async () => {
    expect(await run('hello', [])).toEqual({ code: 0, stdout: 'Hello from wasmbox!\n', stderr: '' });
    const withArgs = await run('hello', ['a', 'b c'], { env: { GREETING: 'hi there' } });
    expect(withArgs.stdout).toBe('Hello from wasmbox!\narg[1]=a\narg[2]=b c\nGREETING=hi there\n');
    const exit = await run('hello', ['--exit', '7']);
    expect(exit.code).toBe(7);
    expect(exit.stdout).toBe('Hello from wasmbox!\narg[1]=--exit\narg[2]=7\n');
  });

  it('cat concatenates files and stdin, and reports missing files', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'a.txt'), 'first\n');
    expect(await run('cat', ['/a.txt', '-', 'a.txt'], { root, stdin: 'middle\n' })).toEqual({
      code: 0,
      stdout: 'first\nmiddle\nfirst\n',
      stderr: '',
    });
    expect((await run('cat', [], { stdin: 'only stdin' })).stdout).toBe('only stdin');
    expect(await run('cat', ['/nope', '/a.txt'], { root })).toEqual({
      code: 1,
      stdout: 'first\n',
      stderr: 'cat: /nope: No such file or directory\n',
    });
  });

  it('ls lists entries sorted, with types, sizes and symlink targets', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'dir', 'sub'), { recursive: true });
    writeFileSync(join(root, 'dir', 'file.txt'), 'eleven byte');
    symlinkSync('file.txt', join(root, 'dir', 'link'));
    const result = await run('ls', ['/dir'], { root });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^- \d{4} {9}11 file\.txt$/);
    expect(lines[1]).toMatch(/^l \d{4} +8 link -> file\.txt$/);
    expect(lines[2]).toMatch(/^d \d{4} +\d+ sub$/);
    expect(await run('ls', ['/missing'], { root })).toMatchObject({
      code: 1,
      stderr: 'ls: /missing: No such file or directory\n',
    });
  });

  it('fsx passes all its checks', async () => {
    const result = await run('fsx', ['/']);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.stdout).toMatch(/\nfsx: \d+ checks passed\n$/);
    expect(result.code).toBe(0);
  });

  it('cpubench prints the sha256 of the generated data', async () => {
    const block = new Uint8Array(64 * 1024);
    let x = 1;
    for (let i = 0; i < block.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      block[i] = x >>> 24;
    }
    const hash = createHash('sha256');
    for (let i = 0; i < 16; i++) hash.update(block);
    expect(await run('cpubench', ['1'])).toEqual({
      code: 0,
      stdout: hash.digest('hex') + '\n',
      stderr: 'cpubench: 1 MiB\n',
    });
  });

  it('iobench modes succeed', async () => {
    const root = tempDir();
    expect((await run('iobench', ['write-read', '/data.bin', '2'], { root })).code).toBe(0);
    expect(statSync(join(root, 'data.bin')).size).toBe(2 * 1024 * 1024);
    expect((await run('iobench', ['small-writes', '/small.bin', '1000'], { root })).code).toBe(0);
    expect(statSync(join(root, 'small.bin')).size).toBe(16_000);
    const bytes = await run('iobench', ['stdout-bytes', '1000']);
    expect(bytes.code).toBe(0);
    expect(bytes.stdout).toBe('wasmbox\n'.repeat(125));
    expect((await run('iobench', ['nonsense'])).code).toBe(2);
  });

  it('echo-lines answers each line and says bye', async () => {
    expect(await run('echo-lines', [], { stdin: 'hi\n\nlast' })).toEqual({
      code: 0,
      stdout: 'you said: hi\nyou said: \nyou said: last\nbye\n',
      stderr: '',
    });
  });
});
