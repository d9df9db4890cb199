// The kernel over an overlay root, unchanged: the real fsx program (images/wasm/fsx.wasm) runs its
// file-system checks in a directory that came from a lower layer, leftovers and all.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRootfs } from '../../runtime/container/rootfs.js';
import { runModule } from '../../runtime/engine/run.js';
import { applyLayer } from '../../runtime/unpack/apply.js';
import type { LayerTree } from '../../runtime/unpack/tree.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { Overlay } from '../../runtime/vfs/overlay.js';
import { diff } from '../../runtime/vfs/overlay-diff.js';
import type { DirNode } from '../../runtime/vfs/types.js';
import { callbackSink } from '../../runtime/wasi/stdio.js';
import { at, packTar, readText, snapshot } from '../unpack/helpers.js';

const wasm = (name: string) =>
  new WebAssembly.Module(readFileSync(new URL(`../../images/wasm/${name}.wasm`, import.meta.url)));
let fsx: WebAssembly.Module;
let image: LayerTree;

beforeAll(async () => {
  fsx = wasm('fsx');
  // The lower layer holds what an earlier, failed fsx run left behind in /srv/fsx.tmp: fsx deletes
  // it (whiteouts over lower files and directories) and recreates the directory (opaque).
  const layer = await packTar([
    { name: 'srv/keep.txt', body: 'keep' },
    { name: 'srv/fsx.tmp/a', body: 'old a' },
    { name: 'srv/fsx.tmp/b', body: 'old b' },
    { name: 'srv/fsx.tmp/s', type: 'symlink', linkname: 'a' },
    { name: 'srv/fsx.tmp/sub', type: 'directory' },
  ]);
  image = await applyLayer(undefined, [layer], { digest: 'sha256:fsx' });
});

function run(module: WebAssembly.Module, root: DirNode, args: string[]): { code: number; out: string } {
  let out = '';
  const decoder = new TextDecoder();
  const sink = callbackSink((chunk) => {
    out += decoder.decode(chunk);
  });
  const { exitCode } = runModule(module, {
    args: ['fsx', ...args],
    preopens: [{ guestPath: '/', dir: root, containerRoot: true }],
    stdout: sink,
    stderr: sink,
  });
  return { code: exitCode, out };
}

describe('fsx.wasm on an overlay root', () => {
  it('passes every check in a lower-layer directory and in a new one', () => {
    const before = snapshot(image.root);
    const fs = new Overlay({ lowers: [image.root] });
    for (const dir of ['/srv', '/']) {
      const { code, out } = run(fsx, fs.root, [dir]);
      expect(out).not.toContain('FAIL');
      expect(out).toMatch(/ok rmdir\n/);
      expect(code).toBe(0);
    }
    expect(readText(at(fs.root, '/srv/keep.txt'))).toBe('keep');
    // fsx removed its work directory, which hides the leftovers the image had there.
    expect(at(fs.root, '/srv/fsx.tmp')).toBeUndefined();
    expect(diff(fs)).toEqual([
      { kind: 'C', path: '/srv' },
      { kind: 'D', path: '/srv/fsx.tmp' },
    ]);
    expect(snapshot(image.root)).toEqual(before);
  });

  it('fails on a read-only root and passes in a tmpfs mounted on it', () => {
    const ro = buildRootfs({ root: new Overlay({ lowers: [image.root] }), readOnly: true });
    const failed = run(fsx, ro.fs.root, ['/srv']);
    expect(failed.code).not.toBe(0);
    expect(failed.out).toContain('FAIL mkdir');
    const withTmp = buildRootfs({
      root: new Overlay({ lowers: [image.root] }),
      readOnly: true,
      mounts: [{ target: '/srv/tmp', dir: new MemFs().root }],
    });
    const passed = run(fsx, withTmp.fs.root, ['/srv/tmp']);
    expect(passed.out).not.toContain('FAIL');
    expect(passed.code).toBe(0);
  });
});
