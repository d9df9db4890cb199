// One conformance suite for every content store: verified-before-visible blobs, resets, aborts,
// listing, deletion and image records. Called by each store's test file.

import { describe, expect, it } from 'vitest';
import { putBlob, type Store } from '../../runtime/content/store.js';
import { digestOf } from '../../runtime/core/digest.js';

const bytes = (text: string) => new TextEncoder().encode(text);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += new TextDecoder().decode(c);
  return out;
}

export function storeConformance(name: string, open: () => Promise<Store>): void {
  describe(`${name}: content store conformance`, () => {
    it('commits a verified blob and reads it back', async () => {
      const store = await open();
      const data = bytes('hello, content');
      const digest = digestOf(data);
      const writer = await store.writer({ digest, size: data.length });
      await writer.write(data.subarray(0, 5));
      expect(writer.offset).toBe(5);
      expect(await store.info(digest)).toBeUndefined();
      await writer.write(data.subarray(5));
      await writer.commit();
      expect(await store.info(digest)).toEqual({ digest, size: data.length });
      expect(new TextDecoder().decode(await store.read(digest))).toBe('hello, content');
      expect(await collect(store.readChunks(digest))).toBe('hello, content');
      expect((await store.list()).map((b) => b.digest)).toContain(digest);
    });

    it('refuses a blob whose digest does not match and leaves nothing visible', async () => {
      const store = await open();
      const good = bytes('expected');
      const digest = digestOf(good);
      const writer = await store.writer({ digest, size: good.length });
      await writer.write(bytes('tampered'));
      await expect(writer.commit()).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
      expect(await store.info(digest)).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('refuses a blob of the wrong size', async () => {
      const store = await open();
      const data = bytes('twelve bytes');
      const digest = digestOf(data);
      const writer = await store.writer({ digest, size: data.length });
      await writer.write(data.subarray(0, 6));
      await expect(writer.commit()).rejects.toThrow(/got 6 bytes, expected 12/);
      expect(await store.info(digest)).toBeUndefined();
    });

    it('starts over after reset, and abort discards', async () => {
      const store = await open();
      const data = bytes('final content');
      const digest = digestOf(data);
      const writer = await store.writer({ digest, size: data.length });
      await writer.write(bytes('garbage that will be dropped'));
      await writer.reset();
      expect(writer.offset).toBe(0);
      await writer.write(data);
      await writer.commit();
      expect(await store.info(digest)).toEqual({ digest, size: data.length });
      const other = bytes('aborted');
      const w2 = await store.writer({ digest: digestOf(other), size: other.length });
      await w2.write(other);
      await w2.abort();
      expect(await store.info(digestOf(other))).toBeUndefined();
    });

    it('accepts the same blob twice (concurrent ingests) and deletes it', async () => {
      const store = await open();
      const data = bytes('shared layer');
      const digest = digestOf(data);
      const [a, b] = await Promise.all([
        store.writer({ digest, size: data.length }),
        store.writer({ digest, size: data.length }),
      ]);
      await Promise.all([a.write(data), b.write(data)]);
      await Promise.all([a.commit(), b.commit()]);
      expect(await store.read(digest)).toEqual(data);
      await store.delete(digest);
      await store.delete(digest);
      expect(await store.info(digest)).toBeUndefined();
      await expect(store.read(digest)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    });

    it('keeps image records by name', async () => {
      const store = await open();
      const manifest = bytes('{"schemaVersion":2}');
      const digest = digestOf(manifest);
      await putBlob(store, { digest, size: manifest.length }, manifest);
      const record = {
        name: 'example.com/app:v1',
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: manifest.length,
        annotations: { 'io.wasmbox.platform': 'wasip1/wasm' },
      };
      await store.putImage(record);
      await store.putImage({ ...record, name: 'example.com/app:v2' });
      expect(await store.getImage('example.com/app:v1')).toEqual(record);
      await store.putImage({ ...record, annotations: {} });
      expect((await store.getImage('example.com/app:v1'))?.annotations).toEqual({});
      expect((await store.listImages()).map((r) => r.name).sort()).toEqual([
        'example.com/app:v1',
        'example.com/app:v2',
      ]);
      expect(await store.deleteImage('example.com/app:v1')).toBe(true);
      expect(await store.deleteImage('example.com/app:v1')).toBe(false);
      expect(await store.getImage('example.com/app:v1')).toBeUndefined();
    });

    it('records written at the same time are all kept', async () => {
      const store = await open();
      const manifest = bytes('{}');
      const digest = digestOf(manifest);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.putImage({ name: `x.io/a:${i}`, digest, mediaType: 'm', size: 2, annotations: {} }),
        ),
      );
      expect((await store.listImages()).length).toBe(8);
    });
  });
}
