// The standard streams a container sees: synchronous byte sources and sinks chosen by the
// caller. Deny by default: stdin is empty and output is discarded unless granted.

export interface ByteSource {
  /** Returns up to `max` bytes, blocking if the source blocks; an empty array means end of input. */
  read(max: number): Uint8Array;
}

export interface ByteSink {
  /** Takes ownership of `bytes` (the caller passes a copy). */
  write(bytes: Uint8Array): void;
  /** Pushes out anything buffered. */
  flush?(): void;
}

const EMPTY = new Uint8Array(0);

export const emptySource: ByteSource = { read: () => EMPTY };

export const discardSink: ByteSink = { write: () => {} };

/** A source that yields the given bytes once, then end of input. */
export function bytesSource(data: Uint8Array): ByteSource {
  let offset = 0;
  return {
    read(max: number): Uint8Array {
      const chunk = data.subarray(offset, offset + max);
      offset += chunk.length;
      return chunk;
    },
  };
}

export function callbackSink(callback: (chunk: Uint8Array) => void): ByteSink {
  return { write: callback };
}

/** Collects everything written, for tests and `exec`. */
export class CollectSink implements ByteSink {
  private chunks: Uint8Array[] = [];
  private total = 0;

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.total += bytes.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}
