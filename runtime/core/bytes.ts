// Byte helpers shared by every layer: joining chunks, and reading a web stream to its end.

/** One buffer holding `parts` in order; `total` may be given when the caller already knows it. */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  const out = new Uint8Array(total ?? parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Reads `stream` to its end and returns everything it gave, as one buffer. */
export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  return concatBytes(chunks, total);
}

/** Gathers an async iterable of chunks into one buffer (each chunk copied: producers may reuse theirs). */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk.slice());
    total += chunk.length;
  }
  return concatBytes(parts, total);
}
