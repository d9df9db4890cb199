// The writable layer as an OCI layer tar: applied over the image's layer tree with the layer
// unpacker it gives exactly the tree the container saw; GNU tar reads it; loading it back into a
// fresh overlay gives the same tree and the same diff.
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportUpper } from '../../runtime/container/export-upper.js';
import { loadUpper } from '../../runtime/container/import-upper.js';
import { tarEnd, tarHeader } from '../../runtime/container/tar-writer.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { applyLayer } from '../../runtime/unpack/apply.js';
import type { LayerTree } from '../../runtime/unpack/tree.js';
import { Overlay } from '../../runtime/vfs/overlay.js';
import { diff } from '../../runtime/vfs/overlay-diff.js';
import { changeEverything, type Image, layeredImage, readFile, renameThings, snapshot } from './helpers.js';

let image: Image;
let tree: LayerTree;

beforeAll(async () => {
  image = await layeredImage(new MemoryStore());
  const built = await image.cache.chain(
    image.image.layers.map((l) => ({ digest: l.digest, open: () => image.store.readChunks(l.digest) })),
  );
  tree = built!;
});

function bytesOf(chunks: Iterable<Uint8Array>): Uint8Array {
  return new Uint8Array(Buffer.concat([...chunks]));
}

async function applied(tar: Uint8Array, mediaType?: string): Promise<LayerTree> {
  return applyLayer(tree, [tar], { digest: 'sha256:upper', ...(mediaType ? { mediaType } : {}) });
}

describe('exportUpper', () => {
  it('round trips through applyLayer: exactly what the container saw', async () => {
    const overlay = await image.overlay();
    changeEverything(overlay.root);
    const seen = snapshot(overlay.root);
    const after = await applied(bytesOf(exportUpper(overlay)));
    expect(snapshot(after.root)).toEqual(seen);
    // The lower hard link pair changed through one name reads the new data through both.
    expect(readFile(after.root, '/data/keep/k-hardlink.txt')).toBe('k changed\n');
    expect(seen['/data/keep/k.txt']).toMatch(/=\/data\/keep\/k-hardlink.txt$/);
    // And the image's tree is untouched.
    expect(readFile(tree.root, '/etc/motd')).toBe('layer 2\n');
  });

  it('round trips renamed directories and moved files', async () => {
    const overlay = await image.overlay();
    renameThings(overlay.root);
    const seen = snapshot(overlay.root);
    expect(seen['/data/kept/k.txt']).toMatch(/=\/data\/kept\/k-hardlink.txt$/);
    expect(seen['/data/kept/motd']).toMatch(/^file /);
    const after = await applied(bytesOf(exportUpper(overlay)));
    expect(snapshot(after.root)).toEqual(seen);
  });

  it('gzip gives the same layer, compressed the same way every time', async () => {
    const overlay = await image.overlay();
    changeEverything(overlay.root);
    const plain = bytesOf(exportUpper(overlay));
    const gz = bytesOf(exportUpper(overlay, { compression: 'gzip' }));
    expect(gz[0]).toBe(0x1f);
    expect(new Uint8Array(gunzipSync(gz))).toEqual(plain);
    expect(bytesOf(exportUpper(overlay, { compression: 'gzip' }))).toEqual(gz);
    const after = await applied(gz, 'application/vnd.oci.image.layer.v1.tar+gzip');
    expect(snapshot(after.root)).toEqual(snapshot(overlay.root));
  });

  it('writes what GNU tar reads: whiteouts, opaque markers, links, pax names', async () => {
    const overlay = await image.overlay();
    changeEverything(overlay.root);
    const listing = execFileSync('tar', ['-tvf', '-'], { input: bytesOf(exportUpper(overlay)) }).toString();
    const names = listing.split('\n');
    expect(listing).toMatch(/^d.* \.\/$/m);
    expect(names.some((l) => l.endsWith(' data/.wh.new.txt'))).toBe(true);
    expect(names.some((l) => l.endsWith(' data/.wh.old'))).toBe(true);
    expect(names.some((l) => l.endsWith(' data/opaque/.wh..wh..opq'))).toBe(true);
    expect(names.some((l) => l.endsWith(' data/motd-link/.wh..wh..opq'))).toBe(true);
    expect(listing).toMatch(/ data\/added\.txt link to data\/added-link$/m);
    expect(listing).toMatch(/ bin\/ls\.wasm link to bin\/ls-link$/m);
    expect(listing).toMatch(/ data\/keep\/k-hardlink\.txt link to data\/keep\/k\.txt$/m);
    expect(listing).toMatch(/ data\/sl -> \.\.\/etc\/motd$/m);
    expect(listing).toContain(`data/${'long-name-'.repeat(12)}.txt`);
    expect(listing).toContain('data/grüße.txt');
    expect(listing).toMatch(/ 200000 .* data\/big\.bin$/m);
    // Untouched lower files are not in the layer.
    expect(listing).not.toContain('bin/cat-abs');
  });

  it('an unchanged container exports only its root directory', async () => {
    const overlay = await image.overlay();
    const listing = execFileSync('tar', ['-tf', '-'], { input: bytesOf(exportUpper(overlay)) }).toString();
    expect(listing).toBe('./\n');
  });
});

describe('loadUpper', () => {
  it('rebuilds the same tree and the same diff in a fresh overlay', async () => {
    for (const change of [changeEverything, renameThings]) {
      const overlay = await image.overlay();
      change(overlay.root);
      const again = new Overlay({ lowers: [tree.root] });
      await loadUpper(again, exportUpper(overlay), 'sha256:upper');
      expect(snapshot(again.root)).toEqual(snapshot(overlay.root));
      // A lower hard link reached through a copied-up sibling is now in the upper layer itself.
      const alias = { kind: 'C' as const, path: '/data/keep/k-hardlink.txt' };
      const expected = diff(overlay);
      if (change === changeEverything)
        expected.splice(
          expected.findIndex((c) => c.path === '/data/keep/k.txt'),
          0,
          alias,
        );
      expect(diff(again)).toEqual(expected);
    }
  });

  it('refuses an entry whose directory is not in the layer, and ".."', async () => {
    const member = (name: string) => tarHeader({ name, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0n });
    const fresh = () => new Overlay({ lowers: [tree.root] });
    await expect(
      loadUpper(fresh(), [member('./'), member('data/sub/'), tarEnd()], 'sha256:x'),
    ).rejects.toThrow('layer sha256:x: entry "data/sub/": its directory is not in the layer');
    await expect(loadUpper(fresh(), [member('./'), member('../x/')], 'sha256:x')).rejects.toThrow(
      `layer sha256:x: entry "../x/": '..' in name`,
    );
  });
});
