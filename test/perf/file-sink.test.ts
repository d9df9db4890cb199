// The Node file sink's pipelined batches (runtime/platform/node/file-api.ts): bytes land in order
// across many batches, a chunk may be reused once its write resolved (the sink copies), and a
// failed batch write is reported once, by the next write or the close.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-file-sink-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `count` chunks of `size` bytes, each filled with a different pattern. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const chunk = new Uint8Array(size);
    for (let j = 0; j < size; j++) chunk[j] = (i * 7 + j) & 0xff;
    return chunk;
  });
}

describe('nodeFileApi.create', () => {
  it('writes many batches (4 MiB in odd-sized chunks) in order', async () => {
    const path = join(tmp, 'big');
    const parts = chunks(70, 60_001);
    const sink = await nodeFileApi.create(path);
    for (const part of parts) await sink.write(part);
    await sink.close();
    const expected = Buffer.concat(parts);
    const written = readFileSync(path);
    expect(written.length).toBe(expected.length);
    expect(written.equals(expected)).toBe(true);
  });

  it('is done with a chunk once its write resolves: one buffer refilled for every write', async () => {
    const path = join(tmp, 'reused');
    const parts = chunks(50, 100_003);
    const sink = await nodeFileApi.create(path);
    expect(sink.copies).toBe(true);
    const buffer = new Uint8Array(100_003);
    for (const part of parts) {
      buffer.set(part);
      await sink.write(buffer);
    }
    buffer.fill(0);
    await sink.close();
    expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
  });

  it('writes a small file (one partial batch) at close', async () => {
    const path = join(tmp, 'small');
    const sink = await nodeFileApi.create(path);
    await sink.write(new TextEncoder().encode('hello '));
    await sink.write(new TextEncoder().encode('world'));
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe('hello world');
  });

  it('reports a failed batch (a full disk: /dev/full) once, as ERR_HOST_IO naming the file', async () => {
    const sink = await nodeFileApi.create('/dev/full');
    let failure: unknown;
    try {
      for (const part of chunks(40, 64 * 1024)) await sink.write(part);
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({
      code: 'ERR_HOST_IO',
      message: expect.stringMatching(/^\/dev\/full: .*ENOSPC/),
    });
    // Already reported: the close (an abort's) succeeds and releases the handle.
    await expect(sink.close()).resolves.toBeUndefined();
  });

  it('a failure in the last batch is reported by the close', async () => {
    const sink = await nodeFileApi.create('/dev/full');
    await sink.write(new Uint8Array(1000));
    await expect(sink.close()).rejects.toMatchObject({ code: 'ERR_HOST_IO' });
  });
});
