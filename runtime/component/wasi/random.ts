// wasi:random/random, wasi:random/insecure and wasi:random/insecure-seed, all from the run's
// random source (crypto.getRandomValues unless the caller injects one, e.g. for reproducible runs).

import type { ComponentHost } from '../host.js';

function bytes(host: ComponentHost, len: bigint): Uint8Array {
  const out = new Uint8Array(Number(len));
  host.random(out);
  return out;
}

function u64(host: ComponentHost): bigint {
  return new DataView(bytes(host, 8n).buffer).getBigUint64(0, true);
}

export function random(host: ComponentHost): Record<string, unknown> {
  return {
    getRandomBytes: (len: bigint): Uint8Array => bytes(host, len),
    getRandomU64: (): bigint => u64(host),
  };
}

export function randomInsecure(host: ComponentHost): Record<string, unknown> {
  return {
    getInsecureRandomBytes: (len: bigint): Uint8Array => bytes(host, len),
    getInsecureRandomU64: (): bigint => u64(host),
  };
}

export function randomInsecureSeed(host: ComponentHost): Record<string, unknown> {
  return { insecureSeed: (): [bigint, bigint] => [u64(host), u64(host)] };
}
