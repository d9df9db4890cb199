// The sample programs (images/wasm) run as preview1 modules and as components made with jco's
// preview1 command adapter must behave the same: stdout, stderr, exit status, files, mounts.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { runComponent } from '../../runtime/component/run.js';
import { buildRootfs, type MountSpec } from '../../runtime/container/rootfs.js';
import { runModule } from '../../runtime/engine/run.js';
import { mountHostDir } from '../../runtime/platform/node/host-dir.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import type { DirNode } from '../../runtime/vfs/types.js';
import { readWholeFile } from '../../runtime/vfs/whole-file.js';
import { bytesSource, CollectSink } from '../../runtime/wasi/stdio.js';
import { sampleBytes, sampleComponent } from './helpers.js';

/** One cache for the file: each sample is transpiled once, as wasmbox does across runs. */
const cache = new MemoryComponentCache();
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  /** Fills the container root before the run. */
  files?: (root: MemFs) => void;
  /** Host directories to mount: container path → [make the host dir's content, read-only]. */
  mounts?: Record<string, [fill: (hostDir: string) => void, readOnly: boolean]>;
  workdir?: string;
}

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Every file and directory of the container root after the run, mounts included. */
  tree: string[];
}

function snapshot(dir: DirNode, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, node] of dir.list()) {
    const path = `${prefix}/${name}`;
    if (node.kind === 'dir') out.push(`${path}/`, ...snapshot(node, path));
    else if (node.kind === 'symlink') out.push(`${path} -> ${node.target}`);
    else {
      const data = readWholeFile(node);
      const text =
        data.length <= 64 ? JSON.stringify(new TextDecoder().decode(data)) : `${data.length} bytes`;
      out.push(`${path} ${text}`);
    }
  }
  return out;
}

async function runAs(kind: 'module' | 'component', name: string, setup: Setup): Promise<Outcome> {
  const root = new MemFs();
  setup.files?.(root);
  const mounts: MountSpec[] = [];
  for (const [target, [fill, readOnly]] of Object.entries(setup.mounts ?? {})) {
    const hostDir = mkdtempSync(join(tmpdir(), 'wasmbox-component-'));
    tempDirs.push(hostDir);
    fill(hostDir);
    mounts.push({ target, dir: mountHostDir(hostDir, { readOnly }) });
  }
  const rootfs = buildRootfs({ root, mounts, ...(setup.workdir ? { workdir: setup.workdir } : {}) });
  const stdout = new CollectSink();
  const stderr = new CollectSink();
  const options = {
    args: [name, ...(setup.args ?? [])],
    env: setup.env ?? {},
    preopens: rootfs.preopens,
    stdin: bytesSource(new TextEncoder().encode(setup.stdin ?? '')),
    stdout,
    stderr,
  };
  const result =
    kind === 'module'
      ? runModule(new WebAssembly.Module(sampleBytes(name)), options)
      : await runComponent(await sampleComponent(name), { ...options, cache });
  return {
    exitCode: result.exitCode,
    stdout: stdout.text(),
    stderr: stderr.text(),
    tree: snapshot(root.root),
  };
}

/** Runs both ways; expects the same outcome and returns it for further checks. */
async function same(name: string, setup: Setup = {}): Promise<Outcome> {
  const module = await runAs('module', name, setup);
  const component = await runAs('component', name, setup);
  expect(component).toEqual(module);
  return component;
}

const text = (root: MemFs, path: string, content: string): void => {
  root.root.createFile(path, 0o644).open(true).write(new TextEncoder().encode(content), 0);
};

describe('sample programs: component (preview1 adapter) vs module', () => {
  it('hello: greeting, arguments and only the environment given', async () => {
    expect((await same('hello')).stdout).toBe('Hello from wasmbox!\n');
    process.env.GREETING = 'from the host';
    try {
      const out = await same('hello', { args: ['a', 'b c'] });
      expect(out.stdout).toBe('Hello from wasmbox!\narg[1]=a\narg[2]=b c\n');
    } finally {
      delete process.env.GREETING;
    }
    const withEnv = await same('hello', { env: { GREETING: 'hi there' } });
    expect(withEnv.stdout).toBe('Hello from wasmbox!\nGREETING=hi there\n');
  });

  it('hello: exit status 0 and 1 pass through; other codes become 1 (the adapter says only ok/err)', async () => {
    expect((await same('hello', { args: ['--exit', '0'] })).exitCode).toBe(0);
    expect((await same('hello', { args: ['--exit', '1'] })).exitCode).toBe(1);
    const module = await runAs('module', 'hello', { args: ['--exit', '7'] });
    const component = await runAs('component', 'hello', { args: ['--exit', '7'] });
    expect(module.exitCode).toBe(7);
    // The preview1 adapter maps proc_exit(N != 0) to wasi:cli/exit(err), as under wasmtime.
    expect(component).toEqual({ ...module, exitCode: 1 });
  });

  it('cat: files, stdin and a missing file', async () => {
    const files = (root: MemFs) => text(root, 'a.txt', 'first\n');
    const ok = await same('cat', { args: ['/a.txt', '-', 'a.txt'], stdin: 'middle\n', files });
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'first\nmiddle\nfirst\n', stderr: '' });
    const missing = await same('cat', { args: ['/nope', '/a.txt'], files });
    expect(missing).toMatchObject({
      exitCode: 1,
      stdout: 'first\n',
      stderr: 'cat: /nope: No such file or directory\n',
    });
  });

  it('ls: entries, types, sizes and symlink targets', async () => {
    const files = (root: MemFs) => {
      const dir = root.root.mkdir('dir', 0o755);
      dir.mkdir('sub', 0o755);
      dir.createFile('file.txt', 0o644).open(true).write(new TextEncoder().encode('eleven byte'), 0);
      dir.symlink('link', 'file.txt');
    };
    const out = await same('ls', { args: ['/dir'], files });
    expect(out.stdout).toMatch(/^- \d{4} +11 file\.txt\nl \d{4} +8 link -> file\.txt\nd \d{4} +\d+ sub\n$/);
    expect((await same('ls', { args: ['/missing'] })).stderr).toBe(
      'ls: /missing: No such file or directory\n',
    );
  });

  it('fsx: every file-system check passes, on the root and on a host mount', async () => {
    const out = await same('fsx', { args: ['/'] });
    expect(out.stdout).not.toContain('FAIL');
    expect(out.stdout).toMatch(/\nfsx: \d+ checks passed\n$/);
    const mounted = await same('fsx', { args: ['/data'], mounts: { '/data': [() => {}, false] } });
    expect(mounted.exitCode).toBe(0);
    expect(mounted.stdout).toMatch(/\nfsx: \d+ checks passed\n$/);
  });

  it('cpubench: same digest', async () => {
    const out = await same('cpubench', { args: ['1'] });
    expect(out.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(out.stderr).toBe('cpubench: 1 MiB\n');
  });

  it('iobench: files written through both, stdout bytes, usage error', async () => {
    const big = await same('iobench', { args: ['write-read', '/data.bin', '2'] });
    expect(big.tree).toEqual(['/data.bin 2097152 bytes']);
    const small = await same('iobench', { args: ['small-writes', '/small.bin', '1000'] });
    expect(small.tree).toEqual(['/small.bin 16000 bytes']);
    expect((await same('iobench', { args: ['stdout-bytes', '1000'] })).stdout).toBe('wasmbox\n'.repeat(125));
    const module = await runAs('module', 'iobench', { args: ['nonsense'] });
    const component = await runAs('component', 'iobench', { args: ['nonsense'] });
    expect(module.exitCode).toBe(2);
    expect(component).toEqual({ ...module, exitCode: 1 });
  });

  it('echo-lines: answers stdin line by line', async () => {
    const out = await same('echo-lines', { stdin: 'hi\n\nlast' });
    expect(out.stdout).toBe('you said: hi\nyou said: \nyou said: last\nbye\n');
  });

  it('mounts: reads and writes a host directory; a read-only mount refuses writes', async () => {
    const fill = (dir: string) => writeFileSync(join(dir, 'in.txt'), 'from the host\n');
    const rw = await same('iobench', {
      args: ['write-read', '/data/out.bin', '1'],
      mounts: { '/data': [fill, false] },
    });
    expect(rw.exitCode).toBe(0);
    expect(rw.tree).toEqual(['/data/', '/data/in.txt "from the host\\n"', '/data/out.bin 1048576 bytes']);
    const read = await same('cat', { args: ['/ro/in.txt'], mounts: { '/ro': [fill, true] } });
    expect(read.stdout).toBe('from the host\n');
    const refused = await same('iobench', {
      args: ['write-read', '/ro/out.bin', '1'],
      mounts: { '/ro': [fill, true] },
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^iobench: open \/ro\/out\.bin: Read-only file system\n$/);
    expect(refused.tree).toEqual(['/ro/', '/ro/in.txt "from the host\\n"']);
  });

  it('working directory: created, and absolute paths still resolve from the root', async () => {
    const files = (root: MemFs) => {
      root.root
        .mkdir('work', 0o755)
        .createFile('w.txt', 0o644)
        .open(true)
        .write(new TextEncoder().encode('here\n'), 0);
    };
    const out = await same('cat', { args: ['/work/w.txt'], files, workdir: '/work' });
    expect(out).toMatchObject({ exitCode: 0, stdout: 'here\n' });
  });
});

describe('host files after a component run', () => {
  it('a file written under a read-write mount is on the host', async () => {
    const host = mkdtempSync(join(tmpdir(), 'wasmbox-component-'));
    tempDirs.push(host);
    mkdirSync(join(host, 'sub'));
    const rootfs = buildRootfs({
      mounts: [{ target: '/data', dir: mountHostDir(host, { readOnly: false }) }],
    });
    const result = await runComponent(await sampleComponent('iobench'), {
      args: ['iobench', 'small-writes', '/data/sub/s.bin', '10'],
      preopens: rootfs.preopens,
      cache,
    });
    expect(result.exitCode).toBe(0);
    expect(statSync(join(host, 'sub', 's.bin')).size).toBe(160);
    expect(readdirSync(join(host, 'sub'))).toEqual(['s.bin']);
    expect(readFileSync(join(host, 'sub', 's.bin')).length).toBe(160);
  });
});
