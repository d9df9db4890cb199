// The wasi:* host objects on their own: handles cannot be forged, poll waits for deadlines,
// and file-system failures reach the guest as error codes.

import { describe, expect, it } from 'vitest';
import { fsCall, WasiFailure } from '../../runtime/component/failure.js';
import { ComponentHost } from '../../runtime/component/host.js';
import { Descriptor, preopenDescriptor } from '../../runtime/component/wasi/filesystem-types.js';
import { IoError } from '../../runtime/component/wasi/io-error.js';
import { Pollable, poll } from '../../runtime/component/wasi/io-poll.js';
import { OutputStream } from '../../runtime/component/wasi/io-streams.js';
import type { Clock } from '../../runtime/core/clock.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { FsError } from '../../runtime/vfs/types.js';

function payloadOf(operation: () => unknown): unknown {
  try {
    operation();
  } catch (error) {
    if (error instanceof WasiFailure) return error.payload;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('component host objects', () => {
  it('an object that only looks like a descriptor carries no state', () => {
    // What jco makes for a handle it has no object for: the right prototype, nothing else.
    const forged = Object.create(Descriptor.prototype) as Descriptor;
    expect(() => forged.stat()).toThrow(TypeError);
    const real = preopenDescriptor(new ComponentHost(), new MemFs().root, true);
    expect(real.getType()).toBe('directory');
    expect(payloadOf(() => real.isSameObject(forged))).toBe('bad-descriptor');
  });

  it('descriptor permissions and read-only trees', () => {
    const host = new ComponentHost();
    const root = preopenDescriptor(host, new MemFs().root, true);
    const file = root.openAt({}, 'f.txt', { create: true }, { read: true });
    expect(payloadOf(() => file.write(new Uint8Array([1]), 0n))).toBe('bad-descriptor');
    expect(payloadOf(() => root.openAt({}, 'missing', {}, { read: true }))).toBe('no-entry');
    expect(payloadOf(() => root.openAt({}, '../up', {}, { read: true }))).toBe('not-permitted');
    const readOnly = preopenDescriptor(host, new MemFs({ readOnly: true }).root, true);
    expect(payloadOf(() => readOnly.createDirectoryAt('d'))).toBe('read-only');
    host.close();
  });

  it('a failed stream write carries an io error holding the file-system code', () => {
    const stream = new OutputStream({
      write() {
        throw new FsError('ENOSPC');
      },
    });
    const payload = payloadOf(() => stream.write(new Uint8Array([1]))) as { tag: string; val: unknown };
    expect(payload.tag).toBe('last-operation-failed');
    expect(IoError.codeOf(payload.val)).toBe('insufficient-space');
    expect(
      payloadOf(() =>
        fsCall(() => {
          throw new FsError('EROFS');
        }),
      ),
    ).toBe('read-only');
  });

  it('poll returns the ready pollables, waiting for the earliest deadline', () => {
    let now = 0n;
    // A clock that moves 1 ms each time it is read, so the wait ends without real time passing.
    const clock: Clock = { realtime: () => now, monotonic: () => (now += 1_000_000n), resolution: 1n };
    const later = new Pollable({ clock, at: 50_000_000n });
    const sooner = new Pollable({ clock, at: 5_000_000n });
    expect(Array.from(poll([later, sooner]))).toEqual([1]);
    expect(Array.from(poll([later, new Pollable()]))).toEqual([1]);
    expect(() => poll([])).toThrow(WebAssembly.RuntimeError);
  });
});
