// The streaming tar reader and decompression over archives written by GNU tar in each format,
// gzip and zstd from the real CLIs, tars without end-of-archive blocks, odd chunkings.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../../runtime/unpack/apply.js';
import { readTar } from '../../runtime/unpack/tar.js';
import { at, chunked, gnuTar, readableOf, readText, removeDir, sh, tempDir } from './helpers.js';

let work: string;
const longName = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.txt`;
const unicode = 'données/ünïcødé-名前.txt';

beforeAll(() => {
  work = tempDir();
  sh(
    `mkdir -p src/${'d'.repeat(60)}/${'e'.repeat(60)} src/données src/empty
     printf hello > src/hello.txt; chmod 0604 src/hello.txt
     printf long > src/${longName}; printf uni > 'src/${unicode}'
     ln -s ${'x'.repeat(150)} src/longlink; ln src/hello.txt src/hard
     head -c 200000 /dev/urandom > src/big.bin
     touch -d @1700000000.123456789 src/hello.txt`,
    work,
  );
});

afterAll(() => removeDir(work));

async function names(bytes: Uint8Array, chunk = 1000): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(chunked(bytes, chunk), { digest: 'sha256:t', maxBytes: 1e9 })) {
    out.push(`${e.type}:${e.name.replace(/^\.\//, '').replace(/\/$/, '')}`);
  }
  return out.sort();
}

describe('readTar over GNU tar archives', () => {
  for (const format of ['gnu', 'pax', 'ustar', 'oldgnu']) {
    it(`reads the ${format} format`, async () => {
      // ustar cannot hold a 150-byte symlink target; the long name fits its prefix field.
      const exclude = format === 'ustar' ? ['--exclude=longlink'] : [];
      const bytes = gnuTar(join(work, 'src'), [`--format=${format}`, ...exclude]);
      const tree = await applyLayer(undefined, chunked(bytes, 333), { digest: `sha256:${format}` });
      expect(readText(at(tree.root, '/hello.txt'))).toBe('hello');
      expect(readText(at(tree.root, `/${unicode}`))).toBe('uni');
      expect(readText(at(tree.root, `/${longName}`))).toBe('long');
      expect(at(tree.root, '/hard')).toBe(at(tree.root, '/hello.txt'));
      expect(at(tree.root, '/hello.txt')!.stat().mode).toBe(0o604);
      const mtime = at(tree.root, '/hello.txt')!.stat().mtime;
      // pax keeps the nanoseconds; the others keep whole seconds.
      expect(mtime).toBe(format === 'pax' ? 1_700_000_000_123_456_789n : 1_700_000_000_000_000_000n);
      const big = execFileSync('sha256sum', [join(work, 'src/big.bin')])
        .toString()
        .slice(0, 64);
      const node = at(tree.root, '/big.bin');
      const data = new Uint8Array(200000);
      if (node?.kind !== 'file') throw new Error('big.bin missing');
      node.open(false).read(data, 0);
      const { createHash } = await import('node:crypto');
      expect(createHash('sha256').update(data).digest('hex')).toBe(big);
      expect(at(tree.root, '/empty')?.kind).toBe('dir');
      if (format !== 'ustar') {
        const link = at(tree.root, '/longlink');
        expect(link?.kind === 'symlink' && link.target).toBe('x'.repeat(150));
      }
    });
  }

  it('gives the same entries whatever the chunk size, down to one byte', async () => {
    const bytes = gnuTar(join(work, 'src'), ['--format=pax'], ['hello.txt', 'hard', 'empty']);
    const expected = await names(bytes, bytes.length);
    expect(expected).toEqual(['dir:empty', 'file:hello.txt', 'hardlink:hard']);
    expect(await names(bytes, 1)).toEqual(expected);
    expect(await names(bytes, 511)).toEqual(expected);
  });

  it('accepts a tar without end-of-archive blocks, or with only one', async () => {
    const bytes = gnuTar(join(work, 'src'), [], ['hello.txt', 'empty']);
    // GNU tar pads to 10 KiB records: find the end of the last entry.
    let end = bytes.length;
    while (end > 0 && bytes.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
    expect(end).toBeLessThan(bytes.length);
    expect(await names(bytes.slice(0, end))).toEqual(['dir:empty', 'file:hello.txt']);
    expect(await names(bytes.slice(0, end + 512))).toEqual(['dir:empty', 'file:hello.txt']);
  });
});

describe('decompression', () => {
  it('detects gzip and zstd from the magic bytes and from the media type', async () => {
    const src = join(work, 'src');
    const gz = new Uint8Array(execFileSync('bash', ['-c', `tar -C ${src} -cf - hello.txt | gzip -9`]));
    const zst = new Uint8Array(execFileSync('bash', ['-c', `tar -C ${src} -cf - hello.txt | zstd -q -19`]));
    for (const [bytes, mediaType] of [
      [gz, undefined],
      [gz, 'application/vnd.oci.image.layer.v1.tar+gzip'],
      [gz, 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
      [zst, undefined],
      [zst, 'application/vnd.oci.image.layer.v1.tar+zstd'],
    ] as const) {
      const tree = await applyLayer(undefined, readableOf(bytes, 100), {
        digest: 'sha256:z',
        ...(mediaType ? { mediaType } : {}),
      });
      expect(readText(at(tree.root, '/hello.txt'))).toBe('hello');
    }
  });

  it('reads concatenated gzip members', async () => {
    const tar = gnuTar(join(work, 'src'), [], ['hello.txt']);
    const half = 1024;
    const a = gzipSync(tar.subarray(0, half));
    const b = gzipSync(tar.subarray(half));
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const tree = await applyLayer(undefined, chunked(both, 50), { digest: 'sha256:m' });
    expect(readText(at(tree.root, '/hello.txt'))).toBe('hello');
  });

  it('refuses data that is not what the media type says, naming the layer', async () => {
    const tar = gnuTar(join(work, 'src'), [], ['hello.txt']);
    await expect(
      applyLayer(undefined, [tar], {
        digest: 'sha256:mt',
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      }),
    ).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: expect.stringContaining('sha256:mt') });
    await expect(
      applyLayer(undefined, [tar], {
        digest: 'sha256:mt',
        mediaType: 'application/vnd.oci.image.layer.v1.tar+bzip2',
      }),
    ).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
  });
});
