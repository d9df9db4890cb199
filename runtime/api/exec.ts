// `runtime.exec`: run to the end and hand back the exit with all output, as bytes and as text.

import { abortError } from './abort.js';
import type { Container } from './container.js';
import type { RuntimeExecResult } from './options.js';

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Reads both streams while the guest runs (a vm guest waits once 1 MiB is unread), then waits
 * for the exit. An abort rejects with ERR_ABORTED, after the guest was killed.
 */
export async function collect(
  container: Container,
  signal: AbortSignal | undefined,
): Promise<RuntimeExecResult> {
  const [stdoutBytes, stderrBytes, exit] = await Promise.all([
    drain(container.stdout),
    drain(container.stderr),
    container.exit,
  ]);
  if (exit.reason === 'aborted') throw abortError(`exec in container ${container.id}`, signal);
  const decoder = new TextDecoder();
  return {
    ...exit,
    stdout: decoder.decode(stdoutBytes),
    stderr: decoder.decode(stderrBytes),
    stdoutBytes,
    stderrBytes,
  };
}
