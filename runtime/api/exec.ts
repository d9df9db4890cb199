// `runtime.exec`: run to the end and hand back the exit with all output, as bytes and as text.

import { readAllBytes as drain } from '../core/bytes.js';
import { abortError } from './abort.js';
import type { Container } from './container.js';
import type { RuntimeExecResult } from './options.js';

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
