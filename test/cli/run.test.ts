// `wasmbox run FILE.wasm` end to end: the real bin (built by the global setup) in a child process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/wasmbox.cjs');
const HELLO = join(ROOT, 'images/wasm/hello.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function wasmbox(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: options.input ?? '',
    env: { PATH: process.env.PATH ?? '', ...options.env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('wasmbox run', () => {
  it('runs hello with args and passes its exit status', () => {
    const r = wasmbox(['run', HELLO, '--exit', '9', '-e', 'x']);
    expect(r.stdout).toBe('Hello from wasmbox!\narg[1]=--exit\narg[2]=9\narg[3]=-e\narg[4]=x\n');
    expect(r.code).toBe(9);
  });

  it('sets env with -e, --env, -e KEY from the host and --env-file; never the host env otherwise', () => {
    const envFile = join(tmp, 'env');
    writeFileSync(envFile, '# comment\n\nGREETING=from-file\nOTHER=1\n');
    expect(wasmbox(['run', '--env-file', envFile, HELLO]).stdout).toContain('GREETING=from-file');
    expect(wasmbox(['run', '--env-file', envFile, '-e', 'GREETING=flag', HELLO]).stdout).toContain(
      'GREETING=flag',
    );
    expect(wasmbox(['run', '--env', 'GREETING=alias', HELLO]).stdout).toContain('GREETING=alias');
    expect(wasmbox(['run', '-e', 'GREETING', HELLO], { env: { GREETING: 'host' } }).stdout).toContain(
      'GREETING=host',
    );
    expect(wasmbox(['run', HELLO], { env: { GREETING: 'host' } }).stdout).not.toContain('GREETING');
  });

  it('passes stdin from a pipe', () => {
    const r = wasmbox(['run', join(ROOT, 'images/wasm/echo-lines.wasm')], { input: 'ping\npong\n' });
    expect(r.stdout).toBe('you said: ping\nyou said: pong\nbye\n');
    expect(r.code).toBe(0);
  });

  it('mounts a host directory read-write with -v and with wasmtime --dir', () => {
    const host = join(tmp, 'rw');
    mkdirSync(host);
    writeFileSync(join(host, 'in.txt'), 'hello host\n');
    const r = wasmbox(['run', '-v', `${host}:/data`, join(ROOT, 'images/wasm/cat.wasm'), '/data/in.txt']);
    expect(r.stdout).toBe('hello host\n');
    const w = wasmbox([
      'run',
      '--dir',
      `${host}::/data`,
      join(ROOT, 'images/wasm/iobench.wasm'),
      'small-writes',
      '/data/out',
      '10',
    ]);
    expect(w.code).toBe(0);
    expect(readFileSync(join(host, 'out')).length).toBe(160);
    const fsx = wasmbox(['run', '-v', `${host}:/data`, join(ROOT, 'images/wasm/fsx.wasm'), '/data']);
    expect(fsx.stdout).toMatch(/fsx: \d+ checks passed/);
    expect(fsx.code).toBe(0);
  });

  it('enforces :ro mounts in the kernel', () => {
    const host = join(tmp, 'ro');
    mkdirSync(host);
    writeFileSync(join(host, 'keep.txt'), 'keep');
    const r = wasmbox([
      'run',
      '-v',
      `${host}:/data:ro`,
      join(ROOT, 'images/wasm/iobench.wasm'),
      'small-writes',
      '/data/keep.txt',
      '1',
    ]);
    expect(r.code).not.toBe(0);
    expect(readFileSync(join(host, 'keep.txt'), 'utf8')).toBe('keep');
    const cat = wasmbox([
      'run',
      '-v',
      `${host}:/data:ro`,
      join(ROOT, 'images/wasm/cat.wasm'),
      '/data/keep.txt',
    ]);
    expect(cat.stdout).toBe('keep');
  });

  it('creates --workdir, and absolute paths still resolve from the root', () => {
    const host = join(tmp, 'wd');
    mkdirSync(host);
    writeFileSync(join(host, 'abs.txt'), 'absolute');
    const cat = join(ROOT, 'images/wasm/cat.wasm');
    const r = wasmbox(['run', '-v', `${host}:/data`, '-w', '/work', cat, '/data/abs.txt']);
    expect(r.stdout).toBe('absolute');
    const ls = wasmbox(['run', '-w', '/work/deep', join(ROOT, 'images/wasm/ls.wasm'), '/work']);
    expect(ls.stdout).toMatch(/^d .* deep\n$/);
  });

  it('uses docker exit codes with one-line errors for its own failures', () => {
    const missing = wasmbox(['run', 'nope.wasm']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('wasmbox: nope.wasm: no such file [ERR_NOT_FOUND]\n');

    const notWasm = wasmbox(['run', 'package.json']);
    expect(notWasm.code).toBe(125);
    expect(notWasm.stderr).toMatch(/ERR_NOT_WASM/);

    const dir = wasmbox(['run', 'images']);
    expect(dir.code).toBe(126);

    const badFlag = wasmbox(['run', '--bogus', HELLO]);
    expect(badFlag.code).toBe(125);
    expect(badFlag.stderr).toMatch(/unknown option '--bogus'/);

    const badVolume = wasmbox(['run', '-v', 'nocolon', HELLO]);
    expect(badVolume.code).toBe(125);
    expect(badVolume.stderr).toMatch(/invalid volume/);

    for (const r of [missing, notWasm, dir, badFlag, badVolume]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the missing import and refuses a module without _start', () => {
    const noStart = join(tmp, 'nostart.wasm');
    // (module (memory (export "memory") 1))
    writeFileSync(noStart, Buffer.from('0061736d01000000050301000107' + '0a01066d656d6f72790200', 'hex'));
    const r = wasmbox(['run', noStart]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no _start function.*ERR_NO_START/);
  });

  it('prints --version and --help', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(wasmbox(['--version']).stdout.trim()).toBe(pkg.version);
    const help = wasmbox(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--volume/);
  });
});
