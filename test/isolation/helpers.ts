// Test helpers for the isolation drivers: real drivers on Node, sample and .wat guests, stream readers.

import { readFileSync } from 'node:fs';
import { prepareModule } from '../../runtime/isolation/module.js';
import { createSharedDriver } from '../../runtime/isolation/shared.js';
import type { GuestModule, IsolationDriver } from '../../runtime/isolation/types.js';
import { createVmDriver, type VmDriver } from '../../runtime/isolation/vm.js';
import { mountHostDir } from '../../runtime/platform/node/host-dir.js';
import { nodeInterrupter } from '../../runtime/platform/node/interrupt.js';
import { nodeWorkerFactory } from '../../runtime/platform/node/worker.js';
import { watToBytes } from '../helpers/wat.js';

export function sharedDriver(): IsolationDriver {
  return createSharedDriver({
    interrupter: nodeInterrupter(),
    mountHost: (path, options) => mountHostDir(path, options),
  });
}

/** A vm driver with warm, recycled workers (booting a worker from TS sources takes ~150 ms). */
export function vmDriver(pool = 2): VmDriver {
  return createVmDriver({ workers: nodeWorkerFactory(), pool });
}

export function sampleBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../images/wasm/${name}.wasm`, import.meta.url)));
}

export function watBytes(name: string): Uint8Array {
  return watToBytes(readFileSync(new URL(`./wat/${name}.wat`, import.meta.url), 'utf8'));
}

const guests = new Map<string, Promise<GuestModule>>();

/** A sample program (images/wasm) compiled once per test file. */
export function sample(name: string): Promise<GuestModule> {
  let guest = guests.get(name);
  if (!guest) {
    guest = prepareModule(sampleBytes(name));
    guests.set(name, guest);
  }
  return guest;
}

export function wat(name: string, memoryLimit?: number): Promise<GuestModule> {
  return prepareModule(watBytes(name), memoryLimit === undefined ? {} : { memoryLimit });
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export async function readAll(stream: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!stream) throw new Error('no stream');
  return new Response(stream).text();
}

/** Reads a text stream line by line, for conversations with an interactive guest. */
export class LineReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffered = '';

  constructor(stream: ReadableStream<Uint8Array> | null) {
    if (!stream) throw new Error('no stream');
    this.reader = stream.getReader();
  }

  async line(): Promise<string | undefined> {
    for (;;) {
      const nl = this.buffered.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.reader.read();
      if (done) return this.buffered === '' ? undefined : this.buffered;
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }
}
