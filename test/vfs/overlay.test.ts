// The copy-on-write overlay over real layer trees: reads fall through, changes copy up, deletes
// hide, renames and hard links work, and the lower trees never change.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRootfs } from '../../runtime/container/rootfs.js';
import { applyLayer } from '../../runtime/unpack/apply.js';
import type { LayerTree } from '../../runtime/unpack/tree.js';
import { CHUNK_SIZE } from '../../runtime/vfs/file-data.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { Overlay } from '../../runtime/vfs/overlay.js';
import { diff } from '../../runtime/vfs/overlay-diff.js';
import { lookup } from '../../runtime/vfs/resolve.js';
import type { DirNode, FileNode, VNode } from '../../runtime/vfs/types.js';
import { at, packTar, readBytes, readText, snapshot } from '../unpack/helpers.js';

let image: LayerTree;
let before: Record<string, string>;
const big = new Uint8Array(3 * CHUNK_SIZE + 100).map((_, i) => i % 251);

beforeAll(async () => {
  const l0 = await packTar([
    { name: 'etc/config', body: 'v1' },
    { name: 'etc/hosts', body: 'hosts' },
    { name: 'data/big.bin', body: big },
    { name: 'data/sub/deep.txt', body: 'deep' },
    { name: 'bin/tool', body: 'tool', mode: 0o755 },
    { name: 'bin/tool-link', type: 'link', linkname: 'bin/tool' },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'usr/lib/libx', body: 'x' },
    { name: 'empty', type: 'directory' },
  ]);
  const l1 = await packTar([
    { name: 'etc/config', body: 'v2' },
    { name: 'data/new.txt', body: 'new' },
  ]);
  const base = await applyLayer(undefined, [l0], { digest: 'sha256:l0' });
  image = await applyLayer(base, [l1], { digest: 'sha256:l1' });
  before = snapshot(image.root);
});

function container(options: { readOnly?: boolean } = {}): Overlay {
  return new Overlay({ lowers: [image.root], ...options });
}

function file(root: DirNode, path: string): FileNode {
  const node = lookup(root, path.slice(1), { follow: true, root }).node;
  if (node?.kind !== 'file') throw new Error(`${path} is not a file`);
  return node;
}

function write(root: DirNode, path: string, text: string, pos = 0): void {
  const handle = file(root, path).open(true);
  handle.write(new TextEncoder().encode(text), pos);
  handle.close();
}

/** Byte equality without a per-element diff (which is slow on large arrays). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

const names = (dir: VNode | undefined) =>
  dir?.kind === 'dir'
    ? dir
        .list()
        .map(([n]) => n)
        .sort()
    : [];

describe('reads', () => {
  it('fall through to the layer tree, as one device with stable nodes', () => {
    const fs = container();
    expect(readText(at(fs.root, '/etc/config'))).toBe('v2');
    expect(names(fs.root)).toEqual(['bin', 'data', 'empty', 'etc', 'lib', 'usr']);
    expect(at(fs.root, '/etc/config')).toBe(at(fs.root, '/etc/config'));
    expect(at(fs.root, '/etc')).toBe(at(fs.root, '/etc'));
    expect(at(fs.root, '/etc/config')!.dev).toBe(fs.dev);
    expect(at(fs.root, '/bin/tool')).toBe(at(fs.root, '/bin/tool-link'));
    expect(at(fs.root, '/bin/tool')!.stat().ino).not.toBe(at(fs.root, '/etc/config')!.stat().ino);
    expect(diff(fs)).toEqual([]);
  });

  it('copy nothing up for a read-only open', () => {
    const fs = container();
    const handle = file(fs.root, '/etc/config').open(false);
    handle.close();
    expect(diff(fs)).toEqual([]);
    expect(fs.upper.fs.root.entries.size).toBe(0);
  });
});

describe('changes', () => {
  it('copy a file up on write, sharing unchanged chunks, and leave the layer alone', () => {
    const fs = container();
    const reader = file(fs.root, '/data/big.bin').open(false);
    write(fs.root, '/data/big.bin', 'XYZ', CHUNK_SIZE + 5);
    const bytes = readBytes(at(fs.root, '/data/big.bin'));
    expect(bytes.length).toBe(big.length);
    expect(new TextDecoder().decode(bytes.subarray(CHUNK_SIZE + 5, CHUNK_SIZE + 8))).toBe('XYZ');
    expect(same(bytes.subarray(0, CHUNK_SIZE), big.subarray(0, CHUNK_SIZE))).toBe(true);
    // A handle opened before the copy-up reads the copy.
    const seen = new Uint8Array(3);
    reader.read(seen, CHUNK_SIZE + 5);
    expect(new TextDecoder().decode(seen)).toBe('XYZ');
    expect(same(readBytes(at(image.root, '/data/big.bin')), big)).toBe(true);
    expect(diff(fs)).toEqual([
      { kind: 'C', path: '/data' },
      { kind: 'C', path: '/data/big.bin' },
    ]);
  });

  it('copy up on a metadata change', () => {
    const fs = container();
    const mtime = at(image.root, '/etc/hosts')!.stat().mtime;
    at(fs.root, '/etc/hosts')!.setTimes(undefined, 42n);
    expect(at(fs.root, '/etc/hosts')!.stat().mtime).toBe(42n);
    expect(at(image.root, '/etc/hosts')!.stat().mtime).toBe(mtime);
    // The parent's time is not disturbed by the copy-up.
    expect(at(fs.root, '/etc')!.stat().mtime).toBe(at(image.root, '/etc')!.stat().mtime);
  });

  it('hide deleted files and directories; a new directory there starts empty', () => {
    const fs = container();
    const data = at(fs.root, '/data') as DirNode;
    const sub = at(fs.root, '/data/sub') as DirNode;
    sub.unlink('deep.txt');
    expect(names(sub)).toEqual([]);
    data.rmdir('sub');
    expect(data.get('sub')).toBeUndefined();
    expect(names(data)).toEqual(['big.bin', 'new.txt']);
    data.mkdir('sub', 0o700);
    expect(names(at(fs.root, '/data/sub'))).toEqual([]);
    (at(fs.root, '/etc') as DirNode).unlink('hosts');
    (at(fs.root, '/etc') as DirNode).createFile('hosts', 0o600);
    expect(readText(at(fs.root, '/etc/hosts'))).toBe('');
    expect(() => (at(fs.root, '/etc') as DirNode).unlink('nope')).toThrow(/ENOENT/);
    expect(() => (fs.root as DirNode).rmdir('etc')).toThrow(/ENOTEMPTY/);
    expect(diff(fs)).toEqual([
      { kind: 'C', path: '/data' },
      { kind: 'C', path: '/data/sub' },
      { kind: 'D', path: '/data/sub/deep.txt' },
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/hosts' },
    ]);
    expect(snapshot(image.root)).toEqual(before);
  });

  it('rename files and whole directories out of the lower layer', () => {
    const fs = container();
    const root = fs.root as DirNode;
    const etc = at(fs.root, '/etc') as DirNode;
    etc.rename('config', root, 'config.moved');
    expect(etc.get('config')).toBeUndefined();
    expect(readText(at(fs.root, '/config.moved'))).toBe('v2');
    const data = at(fs.root, '/data') as DirNode;
    root.rename('data', etc, 'data2');
    expect(root.get('data')).toBeUndefined();
    expect(at(fs.root, '/etc/data2')).toBe(data);
    expect(readText(at(fs.root, '/etc/data2/sub/deep.txt'))).toBe('deep');
    expect(same(readBytes(at(fs.root, '/etc/data2/big.bin')), big)).toBe(true);
    // Writes after the move land in the moved directory.
    write(fs.root, '/etc/data2/sub/deep.txt', 'DEEP');
    expect(readText(at(fs.root, '/etc/data2/sub/deep.txt'))).toBe('DEEP');
    // A file renamed over another replaces it.
    etc.rename('hosts', fs.root, 'config.moved');
    expect(readText(at(fs.root, '/config.moved'))).toBe('hosts');
    expect(names(etc)).toEqual(['data2']);
    expect(diff(fs).filter((c) => c.kind === 'D')).toEqual([
      { kind: 'D', path: '/data' },
      { kind: 'D', path: '/etc/config' },
      { kind: 'D', path: '/etc/hosts' },
    ]);
    expect(snapshot(image.root)).toEqual(before);
  });

  it('keep hard links one file, old and new', () => {
    const fs = container();
    const bin = at(fs.root, '/bin') as DirNode;
    write(fs.root, '/bin/tool-link', 'TOOL');
    expect(readText(at(fs.root, '/bin/tool'))).toBe('TOOL');
    bin.link('tool2', at(fs.root, '/bin/tool')!);
    write(fs.root, '/bin/tool2', 'TOOL2');
    expect(readText(at(fs.root, '/bin/tool'))).toBe('TOOL2');
    expect(at(fs.root, '/bin/tool2')).toBe(at(fs.root, '/bin/tool'));
    expect(() => bin.link('x', new MemFs().root.createFile('f', 0o644))).toThrow(/EXDEV/);
    expect(readText(at(image.root, '/bin/tool'))).toBe('tool');
  });

  it('follow and copy up symlinks', () => {
    const fs = container();
    write(fs.root, '/lib/libx', 'X');
    expect(readText(at(fs.root, '/usr/lib/libx'))).toBe('X');
    at(fs.root, '/lib')!.setTimes(1n, 1n);
    const link = at(fs.root, '/lib');
    expect(link?.kind === 'symlink' && link.target).toBe('usr/lib');
    expect(link!.stat().mtime).toBe(1n);
  });
});

describe('several lower trees', () => {
  it('merge directories top-down, the upper tree winning a name', async () => {
    const extra = await applyLayer(
      undefined,
      [
        await packTar([
          { name: 'etc/config', body: 'extra' },
          { name: 'etc/extra', body: 'e' },
        ]),
      ],
      { digest: 'sha256:extra' },
    );
    const fs = new Overlay({ lowers: [extra.root, image.root] });
    expect(names(at(fs.root, '/etc'))).toEqual(['config', 'extra', 'hosts']);
    expect(readText(at(fs.root, '/etc/config'))).toBe('extra');
    (at(fs.root, '/etc') as DirNode).unlink('config');
    expect(at(fs.root, '/etc/config')).toBeUndefined();
    expect(diff(fs)).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'D', path: '/etc/config' },
    ]);
  });
});

describe('containers of one image', () => {
  it('see only their own writes, and the image stays byte-identical', () => {
    const a = container();
    const b = container();
    write(a.root, '/etc/config', 'from a');
    write(b.root, '/etc/config', 'from b!');
    (a.root.get('etc') as DirNode).createFile('only-a', 0o644);
    (b.root.get('data') as DirNode).unlink('new.txt');
    expect(readText(at(a.root, '/etc/config'))).toBe('from a');
    expect(readText(at(b.root, '/etc/config'))).toBe('from b!');
    expect(at(b.root, '/etc/only-a')).toBeUndefined();
    expect(readText(at(a.root, '/data/new.txt'))).toBe('new');
    expect(readText(at(container().root, '/etc/config'))).toBe('v2');
    expect(snapshot(image.root)).toEqual(before);
    expect(diff(a).map((c) => `${c.kind} ${c.path}`)).toEqual(['C /etc', 'C /etc/config', 'A /etc/only-a']);
    expect(diff(b).map((c) => `${c.kind} ${c.path}`)).toEqual([
      'C /data',
      'D /data/new.txt',
      'C /etc',
      'C /etc/config',
    ]);
  });
});

describe('read-only roots and mounts', () => {
  it('refuse every change with EROFS when read-only', () => {
    const fs = container({ readOnly: true });
    expect(at(fs.root, '/etc/config')!.readOnly).toBe(true);
    expect(() => file(fs.root, '/etc/config').open(true)).toThrow(/EROFS/);
    expect(() => fs.root.createFile('x', 0o644)).toThrow(/EROFS/);
    expect(() => (fs.root.get('etc') as DirNode).unlink('config')).toThrow(/EROFS/);
    expect(() => fs.root.mkdir('d', 0o755)).toThrow(/EROFS/);
    expect(diff(fs)).toEqual([]);
  });

  it('take a tmpfs and a volume on a read-only root through buildRootfs', () => {
    const tmpfs = new MemFs();
    const volume = new MemFs({ readOnly: true });
    const { fs, preopens } = buildRootfs({
      root: container(),
      readOnly: true,
      mounts: [
        { target: '/tmp', dir: tmpfs.root },
        { target: '/etc/vol', dir: volume.root },
      ],
      workdir: '/work',
    });
    expect(fs.readOnly).toBe(true);
    expect(preopens.map((p) => p.guestPath)).toEqual(['/']);
    expect(names(at(fs.root, '/work'))).toEqual([]);
    const root = fs.root as DirNode;
    expect((root.get('tmp') as DirNode).createFile('scratch', 0o644).kind).toBe('file');
    expect(tmpfs.root.get('scratch')).toBeDefined();
    expect(() => root.createFile('x', 0o644)).toThrow(/EROFS/);
    expect(names(at(fs.root, '/etc'))).toEqual(['config', 'hosts', 'vol']);
    expect(() => (root.get('etc') as DirNode).rename('vol', root, 'v')).toThrow(/EROFS/);
    fs.readOnly = false;
    expect(() => (root.get('etc') as DirNode).rmdir('vol')).toThrow(/EBUSY/);
    expect(() => (root.get('etc') as DirNode).rename('vol', root, 'v')).toThrow(/EBUSY/);
  });
});
