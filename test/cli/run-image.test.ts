// `wasmbox run IMAGE` end to end with the real bin: images from the repo's OCI layouts and from a
// real registry on loopback (pulled when missing), docker's override rules, both isolation modes.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleComponent } from '../component/helpers.js';
import { fixtureNames, pushFixtures } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/wasmbox.cjs');
const home = mkdtempSync(join(tmpdir(), 'wasmbox-home-'));
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry('anonymous');
  await pushFixtures(registry, ['hello', 'zstd', 'artifact']);
});
afterAll(async () => {
  await registry?.stop();
  rmSync(home, { recursive: true, force: true });
});

function wasmbox(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: '',
    env: { PATH: process.env.PATH ?? '', WASMBOX_HOME: home },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const names = (ls: string) =>
  ls
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/)[3]);

describe('wasmbox run IMAGE', () => {
  it('runs a layout image with its Entrypoint, and args replace Cmd', () => {
    const r = wasmbox(['run', 'oci:images/hello', 'one', 'two']);
    expect(r.stdout).toBe('Hello from wasmbox!\narg[1]=one\narg[2]=two\n');
    expect(r.code).toBe(0);
  });

  it('stacks layers: whiteouts, opaque directory, hard links, relative and absolute symlinks', () => {
    const ls = wasmbox(['run', 'oci:images/layered']);
    expect(ls.code).toBe(0);
    expect(names(ls.stdout)).toEqual(['keep', 'motd-link', 'new.txt', 'old', 'opaque']);
    expect(names(wasmbox(['run', 'oci:images/layered', '/data/old']).stdout)).toEqual(['b.txt']);
    expect(names(wasmbox(['run', 'oci:images/layered', '/data/opaque']).stdout)).toEqual(['y.txt']);
    const cat = wasmbox([
      'run',
      '--entrypoint',
      '/bin/cat-abs',
      'oci:images/layered',
      '/data/motd-link',
      '/data/keep/k-hardlink.txt',
    ]);
    expect(cat.stdout).toBe('layer 2\nkept\n');
  });

  it('gives each run a fresh writable layer over the unchanged image', () => {
    expect(wasmbox(['run', 'oci:images/fsx', '/']).code).toBe(0);
    const after = wasmbox(['run', '--entrypoint', '/bin/ls.wasm', 'oci:images/layered', '/']);
    expect(names(after.stdout)).toEqual(['bin', 'data', 'etc']);
  });

  it('--read-only refuses writes; --tmpfs gives a writable place', () => {
    const ro = wasmbox(['run', '--read-only', 'oci:images/fsx', '/']);
    expect(ro.code).not.toBe(0);
    expect(ro.stdout).toMatch(/Read-only file system/);
    const tmp = wasmbox(['run', '--read-only', '--tmpfs', '/scratch', 'oci:images/fsx', '/scratch']);
    expect(tmp.stdout).toMatch(/fsx: \d+ checks passed/);
    expect(tmp.code).toBe(0);
  });

  it('behaves the same under --isolation vm', () => {
    const shared = wasmbox(['run', 'oci:images/layered', '/data/keep']);
    const vm = wasmbox(['run', '--isolation', 'vm', 'oci:images/layered', '/data/keep']);
    expect(vm.stdout).toBe(shared.stdout);
    expect(vm.code).toBe(0);
    const fsx = wasmbox(['run', '--isolation', 'vm', '--read-only', '--tmpfs', '/t', 'oci:images/fsx', '/t']);
    expect(fsx.stdout).toMatch(/fsx: \d+ checks passed/);
  });

  it('pulls from a registry when missing, then runs from the store', () => {
    const ref = `${registry.host}/${fixtureNames.hello}`;
    const first = wasmbox(['run', '--insecure-registry', registry.host, ref, 'x']);
    expect(first.stderr).toMatch(/Unable to find image/);
    expect(first.stdout).toBe('Hello from wasmbox!\narg[1]=x\n');
    const second = wasmbox(['run', '--pull', 'never', ref]);
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('Hello from wasmbox!\n');
    const zstd = wasmbox(['run', `${registry.host}/${fixtureNames.zstd}`]);
    expect(zstd.stdout).toBe('Hello from wasmbox!\n');
  });

  it('runs the single module of a CNCF wasm artifact', () => {
    const r = wasmbox(['run', `${registry.host}/${fixtureNames.artifact}`, 'a']);
    expect(r.stdout).toBe('Hello from wasmbox!\narg[1]=a\n');
  });

  it('runs a preview2 component from a wasip2 image', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmbox-comp-'));
    try {
      const layout = join(dir, 'img');
      writeFileSync(join(dir, 'hello.component.wasm'), await sampleComponent('hello'));
      const umoci = (...args: string[]) => execFileSync('umoci', args, { stdio: 'pipe' });
      umoci('init', '--layout', layout);
      umoci('new', '--image', `${layout}:latest`);
      umoci('unpack', '--rootless', '--image', `${layout}:latest`, join(dir, 'b'));
      copyFileSync(join(dir, 'hello.component.wasm'), join(dir, 'b/rootfs/hello.wasm'));
      umoci('repack', '--image', `${layout}:latest`, join(dir, 'b'));
      umoci(
        'config',
        '--image',
        `${layout}:latest`,
        '--os',
        'wasip2',
        '--architecture',
        'wasm',
        '--config.entrypoint',
        '/hello.wasm',
      );
      const r = wasmbox(['run', `oci:${layout}`, 'p2']);
      expect(r.stdout).toBe('Hello from wasmbox!\narg[1]=p2\n');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses docker exit codes: 125 for a missing image, 127 for a missing program in it', () => {
    const missing = wasmbox(['run', '--pull', 'never', `${registry.host}/nothing:here`]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/ERR_IMAGE_NOT_FOUND/);
    const unknown = wasmbox(['run', `${registry.host}/nothing:here`]);
    expect(unknown.code).toBe(125);
    const noProgram = wasmbox(['run', '--entrypoint', '/bin/nope.wasm', 'oci:images/layered']);
    expect(noProgram.code).toBe(127);
    expect(noProgram.stderr).toMatch(/no such file in the image/);
    const badPull = wasmbox(['run', '--pull', 'sometimes', 'oci:images/hello']);
    expect(badPull.code).toBe(125);
  });
});
