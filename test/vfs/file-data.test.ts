import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, FileData } from '../../runtime/vfs/file-data.js';

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function readAll(data: FileData): Uint8Array {
  const out = new Uint8Array(data.size);
  data.read(out, 0);
  return out;
}

describe('FileData (chunked file storage)', () => {
  it('reads back what was written across chunk boundaries', () => {
    const data = new FileData();
    const src = bytes(CHUNK_SIZE * 2 + 123);
    data.write(src, 0);
    expect(data.size).toBe(src.length);
    expect(readAll(data)).toEqual(src);
    const mid = new Uint8Array(100);
    expect(data.read(mid, CHUNK_SIZE - 50)).toBe(100);
    expect(mid).toEqual(src.subarray(CHUNK_SIZE - 50, CHUNK_SIZE + 50));
  });

  it('reads holes as zeros (sparse writes)', () => {
    const data = new FileData();
    data.write(new Uint8Array([7]), CHUNK_SIZE * 3 + 5);
    expect(data.size).toBe(CHUNK_SIZE * 3 + 6);
    const all = readAll(data);
    expect(all.subarray(0, all.length - 1).every((b) => b === 0)).toBe(true);
    expect(all[all.length - 1]).toBe(7);
  });

  it('zeros the tail after a shrink, so growing again reads zeros', () => {
    const data = new FileData();
    data.write(bytes(1000), 0);
    data.truncate(10);
    data.truncate(1000);
    const all = readAll(data);
    expect(all.subarray(0, 10)).toEqual(bytes(1000).subarray(0, 10));
    expect(all.subarray(10).every((b) => b === 0)).toBe(true);
  });

  it('returns short reads at the end and 0 past it', () => {
    const data = new FileData();
    data.write(bytes(10), 0);
    expect(data.read(new Uint8Array(20), 5)).toBe(5);
    expect(data.read(new Uint8Array(20), 10)).toBe(0);
    expect(data.read(new Uint8Array(20), 99)).toBe(0);
  });

  it('appends without rewriting earlier chunks (no whole-file copy)', () => {
    const data = new FileData();
    data.write(bytes(CHUNK_SIZE), 0);
    const first = (data as unknown as { chunks: Uint8Array[] }).chunks[0];
    for (let i = 0; i < 100; i++) data.write(bytes(16, i), data.size);
    expect((data as unknown as { chunks: Uint8Array[] }).chunks[0]).toBe(first);
  });

  it('clone shares nothing with the original', () => {
    const data = new FileData();
    data.write(bytes(100), 0);
    const copy = data.clone();
    copy.write(new Uint8Array([0xff]), 0);
    expect(readAll(data)[0]).toBe(bytes(100)[0]);
    expect(readAll(copy)[0]).toBe(0xff);
  });
});
