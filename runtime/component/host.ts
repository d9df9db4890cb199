// One run's capabilities, resolved from the caller's options with deny-by-default values, plus
// the open file handles it must release when the guest ends. One ComponentHost per container run.

import { type Clock, systemClock } from '../core/clock.js';
import type { FileHandle } from '../vfs/types.js';
import type { KernelOptions, Preopen } from '../wasi/preview1.js';
import { type ByteSink, type ByteSource, discardSink, emptySource } from '../wasi/stdio.js';

/** A file handle shared by a descriptor and the streams made from it: closed when the last
 * of them is dropped, or when the run ends. */
export class SharedHandle {
  readonly #handle: FileHandle;
  readonly #owner: ComponentHost;
  #refs = 1;

  constructor(handle: FileHandle, owner: ComponentHost) {
    this.#handle = handle;
    this.#owner = owner;
  }

  get handle(): FileHandle {
    return this.#handle;
  }

  retain(): this {
    this.#refs++;
    return this;
  }

  release(): void {
    if (--this.#refs === 0) this.#owner.closeHandle(this);
  }
}

export class ComponentHost {
  readonly args: readonly string[];
  readonly env: ReadonlyArray<[string, string]>;
  readonly preopens: readonly Preopen[];
  readonly stdin: ByteSource;
  readonly stdout: ByteSink;
  readonly stderr: ByteSink;
  readonly clock: Clock;
  readonly random: (buffer: Uint8Array) => void;
  readonly #open = new Set<SharedHandle>();

  constructor(options: KernelOptions = {}) {
    this.args = options.args ?? [];
    this.env = toPairs(options.env ?? []);
    this.preopens = options.preopens ?? [];
    this.stdin = options.stdin ?? emptySource;
    this.stdout = options.stdout ?? discardSink;
    this.stderr = options.stderr ?? discardSink;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? fillRandom;
  }

  /** Tracks `handle` so the end of the run closes it if the guest does not. */
  share(handle: FileHandle): SharedHandle {
    const shared = new SharedHandle(handle, this);
    this.#open.add(shared);
    return shared;
  }

  closeHandle(shared: SharedHandle): void {
    if (this.#open.delete(shared)) shared.handle.close();
  }

  /** Pushes out buffered output (before a blocking read of stdin, and at the end). */
  flush(): void {
    this.stdout.flush?.();
    this.stderr.flush?.();
  }

  /** The end of the guest: flush output and close every handle it left open. */
  close(): void {
    this.flush();
    for (const shared of [...this.#open]) this.closeHandle(shared);
  }
}

function toPairs(env: readonly string[] | Readonly<Record<string, string>>): Array<[string, string]> {
  if (!Array.isArray(env)) return Object.entries(env as Record<string, string>);
  return (env as readonly string[]).map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
  });
}

function fillRandom(buffer: Uint8Array): void {
  for (let at = 0; at < buffer.length; at += 65536) {
    crypto.getRandomValues(buffer.subarray(at, at + 65536) as Uint8Array<ArrayBuffer>);
  }
}
