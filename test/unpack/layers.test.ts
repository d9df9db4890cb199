// Layer chains made by real tools (umoci, GNU tar, tar-stream): whiteouts, opaque directories,
// hard links and symlinks across four layers; every tree of the chain stays as it was.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../../runtime/unpack/apply.js';
import { LayerTreeCache } from '../../runtime/unpack/cache.js';
import type { LayerTree } from '../../runtime/unpack/tree.js';
import { at, gnuTar, packTar, readText, removeDir, sh, snapshot, tempDir } from './helpers.js';

interface Blob {
  digest: string;
  mediaType?: string;
  bytes: Uint8Array;
}

/** The layers of `layout:latest`, bottom first, as umoci wrote them. */
function umociLayers(layout: string): Blob[] {
  const blob = (digest: string) =>
    new Uint8Array(readFileSync(join(layout, 'blobs/sha256', digest.slice(7))));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(new TextDecoder().decode(blob(index.manifests[0].digest)));
  return manifest.layers.map((l: { digest: string; mediaType: string }) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    bytes: blob(l.digest),
  }));
}

let work: string;
let layers: Blob[];

beforeAll(async () => {
  work = tempDir();
  // Layers 0 and 1: umoci (tar+gzip, whiteouts for deletions).
  sh(
    `umoci init --layout img && umoci new --image img:latest
     umoci unpack --rootless --image img:latest b >/dev/null
     cd b/rootfs
     mkdir -p etc data/sub bin usr/lib opaque
     echo v1 > etc/config; echo keep > etc/keep; echo a > data/a.txt; echo deep > data/sub/deep.txt
     echo tool > bin/tool; ln bin/tool bin/tool-link; ln -s usr/lib lib; echo x > usr/lib/libx
     touch opaque/old1 opaque/old2; chmod 0750 bin/tool; touch -h -d @1600000000 etc/keep
     cd ../..; umoci repack --image img:latest b
     umoci unpack --rootless --image img:latest c >/dev/null
     cd c/rootfs; echo v2 > etc/config; rm data/a.txt; rm -r data/sub; echo b > data/b.txt
     cd ../..; umoci repack --image img:latest c`,
    work,
  );
  layers = umociLayers(join(work, 'img'));
  // Layer 2: GNU tar, zstd, no media type: an opaque directory, a whiteout, a write through the
  // lower symlink lib -> usr/lib (named without a "lib/" entry), a relative symlink, an owner.
  sh(
    `mkdir -p l2/opaque l2/etc l2/lib l2/data
     touch l2/opaque/.wh..wh..opq; echo new > l2/opaque/new; touch l2/etc/.wh.keep
     echo extra > l2/lib/extra; ln -s ../etc/config l2/data/link-to-config`,
    work,
  );
  const l2 = gnuTar(
    join(work, 'l2'),
    ['--owner=1234', '--group=5678', '--zstd'],
    ['opaque/.wh..wh..opq', 'opaque/new', 'etc/.wh.keep', 'lib/extra', 'data/link-to-config'],
  );
  // Layer 3: tar-stream: a hard link to a lower layer's file, a whiteout of one name of a hard
  // link pair, a new directory.
  const l3 = await packTar([
    { name: 'bin/tool3', type: 'link', linkname: 'bin/tool' },
    { name: 'bin/.wh.tool-link' },
    { name: 'data/newdir/', type: 'directory', mode: 0o700 },
    { name: 'data/newdir/f', body: 'f' },
  ]);
  layers.push({ digest: 'sha256:l2', bytes: l2 }, { digest: 'sha256:l3', bytes: l3 });
});

afterAll(() => removeDir(work));

async function chain(blobs: Blob[]): Promise<LayerTree[]> {
  const trees: LayerTree[] = [];
  for (const b of blobs) {
    trees.push(
      await applyLayer(trees.at(-1), [b.bytes], {
        digest: b.digest,
        ...(b.mediaType ? { mediaType: b.mediaType } : {}),
      }),
    );
  }
  return trees;
}

describe('a chain of four layers from umoci, GNU tar and tar-stream', () => {
  it('applies whiteouts, opaque directories, hard links and symlinks', async () => {
    expect(layers).toHaveLength(4);
    const trees = await chain(layers);
    const top = trees[3]!.root;
    expect(Object.keys(snapshot(top)).sort()).toEqual([
      '/bin',
      '/bin/tool',
      '/bin/tool3',
      '/data',
      '/data/b.txt',
      '/data/link-to-config',
      '/data/newdir',
      '/data/newdir/f',
      '/etc',
      '/etc/config',
      '/lib',
      '/opaque',
      '/opaque/new',
      '/usr',
      '/usr/lib',
      '/usr/lib/extra',
      '/usr/lib/libx',
    ]);
    expect(readText(at(top, '/etc/config'))).toBe('v2\n');
    expect(readText(at(top, '/usr/lib/extra'))).toBe('extra\n');
    // The hard link made in layer 3 is the same inode as layer 0's file.
    expect(at(top, '/bin/tool3')).toBe(at(top, '/bin/tool'));
    expect(at(top, '/bin/tool')!.stat().nlink).toBe(2n);
    expect(at(top, '/bin/tool')!.stat().mode).toBe(0o750);
    const link = at(top, '/data/link-to-config');
    expect(link?.kind === 'symlink' && link.target).toBe('../etc/config');
    expect(link!.stat().uid).toBe(1234);
    expect(link!.stat().gid).toBe(5678);
    expect(at(top, '/data/newdir')!.stat().mode).toBe(0o700);
    expect(at(top, '/lib')?.kind).toBe('symlink');
  });

  it('keeps modes and mtimes, and each tree of the chain as it was', async () => {
    const trees = await chain(layers);
    expect(at(trees[0]!.root, '/etc/keep')!.stat().mtime).toBe(1_600_000_000n * 1_000_000_000n);
    const before = trees.map((t) => snapshot(t.root));
    // Layer 1 deleted /data/a.txt and /data/sub; layer 0's tree still has them.
    expect(readText(at(trees[0]!.root, '/data/sub/deep.txt'))).toBe('deep\n');
    expect(readText(at(trees[0]!.root, '/etc/config'))).toBe('v1\n');
    expect(at(trees[2]!.root, '/bin/tool-link')).toBeDefined();
    expect(at(trees[2]!.root, '/opaque/old1')).toBeUndefined();
    expect(at(trees[1]!.root, '/opaque/old1')).toBeDefined();
    // Building another chain over the same trees changes none of them.
    await applyLayer(trees[3], [await packTar([{ name: 'bin/tool', body: 'changed' }])], {
      digest: 'sha256:x',
    });
    expect(trees.map((t) => snapshot(t.root))).toEqual(before);
    expect(trees.every((t) => t.fs.readOnly)).toBe(true);
    expect(trees[3]!.chain).toEqual(layers.map((l) => l.digest));
  });

  it('caches trees by chain and shares common parents', async () => {
    let opened = 0;
    const source = (b: Blob) => ({
      digest: b.digest,
      ...(b.mediaType ? { mediaType: b.mediaType } : {}),
      open: () => {
        opened++;
        return [b.bytes];
      },
    });
    const cache = new LayerTreeCache();
    const [a, b] = await Promise.all([cache.chain(layers.map(source)), cache.chain(layers.map(source))]);
    expect(a).toBe(b);
    expect(opened).toBe(4);
    const other = await cache.chain([...layers.slice(0, 2).map(source), source(layers[3]!)]);
    expect(opened).toBe(5);
    expect(other).not.toBe(a);
    expect(cache.has(layers.slice(0, 2).map((l) => l.digest))).toBe(true);
  });
});

describe('the layer tree cache under a byte budget', () => {
  const image = async (name: string, kib: number) => ({
    digest: `sha256:${name}`,
    bytes: await packTar([
      { name: `${name}.bin`, body: new Uint8Array(kib * 1024).fill(1) },
      { name: `${name}.txt`, body: name },
    ]),
  });
  const sourceOf = (b: Blob, opened: string[]) => ({
    digest: b.digest,
    open: () => {
      opened.push(b.digest);
      return [b.bytes];
    },
  });

  it('weighs a tree by the file bytes (and entries) its layer added', async () => {
    const tree = (await new LayerTreeCache().chain([sourceOf(await image('w', 100), [])]))!;
    expect(tree.bytes).toBeGreaterThanOrEqual(100 * 1024 + 1);
    expect(tree.bytes).toBeLessThan(100 * 1024 + 4096);
  });

  it('forgets the chains used least recently past the budget; their trees still work', async () => {
    const [a, b, c] = await Promise.all([image('a', 300), image('b', 300), image('c', 300)]);
    const opened: string[] = [];
    const cache = new LayerTreeCache({ maxBytes: 700 * 1024 });
    const treeA = await cache.chain([sourceOf(a, opened)]);
    await cache.chain([sourceOf(b, opened)]);
    await cache.chain([sourceOf(a, opened)]); // a used again: b is now the oldest
    await cache.chain([sourceOf(c, opened)]);
    expect(cache.has([a.digest])).toBe(true);
    expect(cache.has([b.digest])).toBe(false);
    expect(cache.has([c.digest])).toBe(true);
    expect(opened).toEqual([a.digest, b.digest, c.digest]);
    // A forgotten chain is unpacked again when asked for; a tree in use is untouched by it all.
    await cache.chain([sourceOf(b, opened)]);
    expect(opened).toEqual([a.digest, b.digest, c.digest, b.digest]);
    expect(readText(at(treeA!.root, '/a.txt'))).toBe('a');
  });
});

describe('an opaque marker after entries of its own layer', () => {
  it('keeps what this layer put there, at any depth, and drops the rest', async () => {
    const l0 = await packTar([{ name: 'd/old' }, { name: 'd/sub/old-deep' }, { name: 'd/sub/keep-name' }]);
    const l1 = await packTar([
      { name: 'd/sub/', type: 'directory' },
      { name: 'd/sub/new' },
      { name: 'd/.wh..wh..opq' },
      { name: 'd/after' },
      { name: 'd/.wh.sub-not-there' },
    ]);
    const [, top] = await chain([
      { digest: 'sha256:a', bytes: l0 },
      { digest: 'sha256:b', bytes: l1 },
    ]);
    expect(Object.keys(snapshot(top!.root)).sort()).toEqual(['/d', '/d/after', '/d/sub', '/d/sub/new']);
  });

  it('spares a file its own layer created when the same layer whites it out', async () => {
    const l0 = await packTar([{ name: 'x', body: 'old' }]);
    const l1 = await packTar([{ name: 'x', body: 'new' }, { name: '.wh.x' }]);
    const [, top] = await chain([
      { digest: 'sha256:a', bytes: l0 },
      { digest: 'sha256:b', bytes: l1 },
    ]);
    expect(readText(at(top!.root, '/x'))).toBe('new');
  });
});
