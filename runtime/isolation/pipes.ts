// Host-side ends of a container's standard streams as web streams (same in Node and browsers):
// output the consumer pulls at its own pace, and input queued until the guest reads it.

import type { ByteSink } from '../wasi/stdio.js';

const EMPTY = new Uint8Array(0);

/**
 * A guest's output as a ReadableStream. Chunks are handed out only on demand (highWaterMark 0),
 * and `onTaken` reports each one, so the vm driver can hold the guest back until the consumer reads.
 */
export class OutputPipe {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private cancelled = false;
  private wake: (() => void) | undefined;

  constructor(private readonly onTaken: (bytes: number) => void = () => {}) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: () => {
          this.cancelled = true;
          for (const chunk of this.queue.splice(0)) this.onTaken(chunk.length);
        },
      },
      { highWaterMark: 0 },
    );
  }

  push(chunk: Uint8Array): void {
    if (this.cancelled || this.ended) {
      this.onTaken(chunk.length);
      return;
    }
    this.queue.push(chunk);
    this.notify();
  }

  /** No more output: the stream closes once the consumer has read what is queued. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.queue.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const chunk = this.queue.shift();
    if (!chunk) {
      controller.close();
      return;
    }
    controller.enqueue(chunk);
    this.onTaken(chunk.length);
  }
}

/** Bytes queued for a guest's stdin beyond which `write()` waits for the guest to read. */
const INPUT_HIGH_WATER = 64 * 1024;

/** A guest's stdin as a WritableStream; the driver takes bytes out with `read()` as the guest asks. */
export class InputPipe {
  readonly stream: WritableStream<Uint8Array>;
  /** Called whenever bytes arrive or input ends. */
  onChange: () => void = () => {};
  private chunks: Uint8Array[] = [];
  private size = 0;
  private ended = false;
  private drained: Array<() => void> = [];

  constructor() {
    this.stream = new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => this.end(),
      abort: () => this.end(),
    });
  }

  private write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.ended) return undefined;
    // A copy: the writer may reuse its buffer once the write resolves.
    this.chunks.push(chunk.slice());
    this.size += chunk.length;
    this.onChange();
    if (this.size <= INPUT_HIGH_WATER) return undefined;
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** End of input (also when the container ends: later writes are dropped). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onChange();
    this.release();
  }

  /** Up to `max` bytes; an empty array at end of input; undefined when nothing is there yet. */
  read(max: number): Uint8Array | undefined {
    const first = this.chunks[0];
    if (!first) return this.ended ? EMPTY : undefined;
    let out: Uint8Array;
    if (first.length <= max) {
      out = first;
      this.chunks.shift();
    } else {
      out = first.subarray(0, max);
      this.chunks[0] = first.subarray(max);
    }
    this.size -= out.length;
    if (this.size <= INPUT_HIGH_WATER) this.release();
    return out;
  }

  private release(): void {
    for (const resolve of this.drained.splice(0)) resolve();
  }
}

/** A host-side sink for an output spec that is not `'pipe'`. */
export function sinkOf(spec: ByteSink | ((chunk: Uint8Array) => void)): ByteSink {
  return typeof spec === 'function' ? { write: spec } : spec;
}
