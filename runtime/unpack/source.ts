// A layer's bytes as an async iterable of chunks, whichever form the caller holds: a web
// ReadableStream (not async-iterable in every browser), any async iterable, or chunks in memory.

export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Yields the non-empty chunks of `source`; stopping early cancels a ReadableStream. */
export async function* chunksOf(source: ByteStream): AsyncGenerator<Uint8Array> {
  if (!isReadableStream(source)) {
    for await (const chunk of source) if (chunk.length > 0) yield chunk;
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      if (next.value.length > 0) yield next.value;
    }
  } finally {
    // The consumer stopped before the end (end-of-archive, or an error): release the producer.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isReadableStream(source: ByteStream): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}
