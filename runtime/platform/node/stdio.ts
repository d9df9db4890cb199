// The host process's standard streams as kernel sources and sinks: blocking reads of fd 0,
// buffered writes flushed when full, on a stdin read, at exit, or 50 ms after the last flush.

import * as fs from 'node:fs';
import { sleepMs } from '../../wasi/sleep.js';
import type { ByteSink, ByteSource } from '../../wasi/stdio.js';

function retrying<T>(call: () => T): T {
  for (;;) {
    try {
      return call();
    } catch (error) {
      // A non-blocking descriptor (a pipe the parent set up so) answers EAGAIN: wait and retry.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      sleepMs(5);
    }
  }
}

export function fdSource(fd: number): ByteSource {
  let ended = false;
  return {
    read(max: number): Uint8Array {
      if (ended) return new Uint8Array(0);
      const buf = new Uint8Array(Math.min(max, 65536));
      try {
        const n = retrying(() => fs.readSync(fd, buf, 0, buf.length, null));
        if (n === 0) ended = true;
        return buf.subarray(0, n);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EOF') {
          ended = true;
          return new Uint8Array(0);
        }
        throw error;
      }
    },
  };
}

const LIMIT = 64 * 1024;
const MAX_DELAY_MS = 50;

export function fdSink(fd: number): ByteSink {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let last = performance.now();
  const flush = (): void => {
    last = performance.now();
    if (size === 0) return;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    chunks = [];
    size = 0;
    let at = 0;
    while (at < data.length) {
      try {
        at += retrying(() => fs.writeSync(fd, data, at, data.length - at));
      } catch (error) {
        // The reader went away (EPIPE): drop the output, as a process with SIGPIPE ignored would.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw error;
      }
    }
  };
  return {
    write(bytes: Uint8Array): void {
      chunks.push(bytes);
      size += bytes.length;
      if (size >= LIMIT || performance.now() - last > MAX_DELAY_MS) flush();
    },
    flush,
  };
}
