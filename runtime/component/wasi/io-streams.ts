// wasi:io/streams over what the kernel already has: ByteSource/ByteSink for stdio and VFS file
// handles for files. Reads block inside the call, so every stream's pollable is always ready.

import { type ErrorCode, errorCodeOf, trap, WasiFailure } from '../failure.js';
import { IoError } from './io-error.js';
import { Pollable } from './io-poll.js';

/** Where an input stream's bytes come from. */
export interface StreamSource {
  /** Up to `max` (> 0) bytes, blocking if needed; an empty array means the end of the stream. */
  read(max: number): Uint8Array;
  /** Called once when the guest drops the stream. */
  close?(): void;
}

/** Where an output stream's bytes go. */
export interface StreamTarget {
  /** Takes ownership of `bytes` and writes them all. */
  write(bytes: Uint8Array): void;
  flush?(): void;
  close?(): void;
}

/** What check-write grants per call: large enough that a guest rarely loops, small enough
 * that one call cannot make the host allocate without bound. */
const WRITE_BUDGET = 1 << 20;
/** The most one read returns, whatever length the guest asks for. */
const MAX_READ = 1 << 24;
const EMPTY = new Uint8Array(0);

// Symbol.dispose is what jco calls when the guest drops a resource it owns.
const dispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

function closed(): never {
  throw new WasiFailure({ tag: 'closed' });
}

/** Runs a stream operation; a kernel failure becomes `last-operation-failed` with an io error. */
function streamCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    // A file-system error code (e.g. file-too-large) travels inside the stream error.
    if (error instanceof WasiFailure && typeof error.payload !== 'string') throw error;
    const code = error instanceof WasiFailure ? (error.payload as ErrorCode) : errorCodeOf(error);
    throw new WasiFailure({ tag: 'last-operation-failed', val: new IoError((error as Error).message, code) });
  }
}

export class InputStream {
  readonly #source: StreamSource;
  #ended = false;
  #released = false;

  constructor(source: StreamSource) {
    this.#source = source;
  }

  read(len: bigint): Uint8Array {
    if (this.#ended) closed();
    const max = len > BigInt(MAX_READ) ? MAX_READ : Number(len);
    if (max === 0) return EMPTY;
    const data = streamCall(() => this.#source.read(max));
    if (data.length === 0) {
      this.#ended = true;
      closed();
    }
    return data;
  }

  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }

  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }

  subscribe(): Pollable {
    return new Pollable();
  }

  [dispose](): void {
    if (this.#released) return;
    this.#released = true;
    this.#source.close?.();
  }
}

export class OutputStream {
  readonly #target: StreamTarget;
  #released = false;

  constructor(target: StreamTarget) {
    this.#target = target;
  }

  checkWrite(): bigint {
    return BigInt(WRITE_BUDGET);
  }

  write(contents: Uint8Array): void {
    if (contents.length === 0) return;
    streamCall(() => this.#target.write(contents));
  }

  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
    this.flush();
  }

  flush(): void {
    streamCall(() => this.#target.flush?.());
  }

  blockingFlush(): void {
    this.flush();
  }

  subscribe(): Pollable {
    return new Pollable();
  }

  writeZeroes(len: bigint): void {
    if (len > BigInt(WRITE_BUDGET)) trap('write-zeroes: more than check-write permits');
    this.write(new Uint8Array(Number(len)));
  }

  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
    this.flush();
  }

  splice(src: InputStream, len: bigint): bigint {
    const data = src.read(len > BigInt(WRITE_BUDGET) ? BigInt(WRITE_BUDGET) : len);
    this.write(data);
    return BigInt(data.length);
  }

  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }

  [dispose](): void {
    if (this.#released) return;
    this.#released = true;
    this.#target.close?.();
  }
}

export function ioStreams(): Record<string, unknown> {
  return { InputStream, OutputStream };
}
