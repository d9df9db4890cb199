// Turns a layer blob into its tar stream: plain, gzip (fflate) or zstd (fzstd), chosen from the
// media type or, when that says nothing, from the magic bytes. Output is bounded by `maxBytes`.

import { Gunzip } from 'fflate';
import { Decompress as ZstdDecompress } from 'fzstd';
import { layerError } from './errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface DecompressOptions {
  digest: string;
  mediaType?: string;
  /** Most decompressed bytes to produce before refusing the layer (a gzip or zstd bomb). */
  maxBytes: number;
}

/** zstd's own default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT): larger windows are refused
 * before fzstd allocates them. Only the first frame is checked (zstd writes one frame per stream;
 * later frames of a concatenation are still bounded by fzstd's own 2 GiB cap). */
const MAX_ZSTD_WINDOW = 2 ** 27;
/** Input is fed in slices so one push cannot inflate unboundedly (deflate tops out near 1032:1,
 * a zstd RLE block at 128 KiB from 4 bytes). */
const GZIP_SLICE = 16 * 1024;
const ZSTD_SLICE = 1024;

/** Compression named by a layer media type; `undefined` when the type does not say. */
export function compressionOf(mediaType: string | undefined, digest: string): Compression | undefined {
  if (mediaType === undefined || mediaType === '') return undefined;
  if (/[+.]gzip$/.test(mediaType)) return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  if (/[.+]tar$/.test(mediaType)) return 'none';
  if (/\+[a-z0-9]+$/.test(mediaType)) {
    layerError('ERR_NOT_SUPPORTED', digest, undefined, `unsupported layer compression in "${mediaType}"`);
  }
  return undefined;
}

export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The decompressed stream of `chunks`. Stops pulling input as soon as the consumer stops. */
export async function* decompress(
  chunks: AsyncIterable<Uint8Array>,
  options: DecompressOptions,
): AsyncGenerator<Uint8Array> {
  const { digest } = options;
  const input = chunks[Symbol.asyncIterator]();
  // Enough of the head to recognise a magic number and read a zstd frame header.
  const head: Uint8Array[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 18) {
    const next = await input.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = concat(head, headLength);
  const sniffed = sniffCompression(first);
  const declared = compressionOf(options.mediaType, digest);
  const kind = declared ?? sniffed;
  if (declared !== undefined && declared !== 'none' && declared !== sniffed) {
    layerError('ERR_LAYER_INVALID', digest, undefined, `the media type says ${declared}, the data is not`);
  }

  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (;;) {
      const next = await input.next();
      if (next.done) return;
      yield next.value;
    }
  }

  try {
    if (kind === 'none') {
      yield* rest();
      return;
    }
    if (kind === 'zstd') checkZstdWindow(first, digest);
    let produced = 0;
    const out: Uint8Array[] = [];
    const onData = (data: Uint8Array) => {
      if (data.length === 0) return;
      produced += data.length;
      out.push(data);
    };
    const engine = kind === 'gzip' ? new Gunzip(onData) : new ZstdDecompress(onData);
    const slice = kind === 'gzip' ? GZIP_SLICE : ZSTD_SLICE;
    const push = (data: Uint8Array, final: boolean) => {
      try {
        engine.push(data, final);
      } catch (error) {
        layerError(
          'ERR_LAYER_INVALID',
          digest,
          undefined,
          `corrupt ${kind} data: ${(error as Error).message}`,
        );
      }
    };
    for await (const chunk of rest()) {
      for (let at = 0; at < chunk.length; at += slice) {
        push(chunk.subarray(at, at + slice), false);
        if (produced > options.maxBytes) {
          layerError(
            'ERR_LAYER_LIMIT',
            digest,
            undefined,
            `decompresses to more than ${options.maxBytes} bytes`,
          );
        }
        while (out.length > 0) yield out.shift()!;
      }
    }
    push(new Uint8Array(0), true);
    if (produced > options.maxBytes) {
      layerError('ERR_LAYER_LIMIT', digest, undefined, `decompresses to more than ${options.maxBytes} bytes`);
    }
    while (out.length > 0) yield out.shift()!;
  } finally {
    await input.return?.();
  }
}

/** Refuses a zstd frame whose window (the buffer fzstd allocates up front) is too large. */
function checkZstdWindow(head: Uint8Array, digest: string): void {
  const fhd = head[4];
  if (fhd === undefined) return; // too short: the decoder reports it
  const singleSegment = (fhd >> 5) & 1;
  let window: number;
  if (!singleSegment) {
    const wd = head[5] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  } else {
    // The window is the frame content size.
    const at = 5 + [0, 1, 2, 4][fhd & 3]!;
    const size = [1, 2, 4, 8][fhd >> 6]!;
    window = 0;
    for (let i = size - 1; i >= 0; i--) window = window * 256 + (head[at + i] ?? 0);
    if (size === 2) window += 256;
  }
  if (window > MAX_ZSTD_WINDOW) {
    layerError(
      'ERR_LAYER_LIMIT',
      digest,
      undefined,
      `zstd window of ${window} bytes exceeds ${MAX_ZSTD_WINDOW}`,
    );
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
