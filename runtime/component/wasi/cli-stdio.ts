// wasi:cli/stdin, wasi:cli/stdout and wasi:cli/stderr: streams over the run's ByteSource and
// ByteSinks. Each call returns a new stream resource; dropping one never closes the sink.

import type { ComponentHost } from '../host.js';
import { InputStream, OutputStream } from './io-streams.js';

export function cliStdin(host: ComponentHost): Record<string, unknown> {
  return {
    getStdin: (): InputStream =>
      new InputStream({
        read(max) {
          // Like the preview1 kernel: a prompt written before a blocking read must be seen.
          host.flush();
          return host.stdin.read(max);
        },
      }),
  };
}

export function cliStdout(host: ComponentHost): Record<string, unknown> {
  return { getStdout: (): OutputStream => new OutputStream(host.stdout) };
}

export function cliStderr(host: ComponentHost): Record<string, unknown> {
  return { getStderr: (): OutputStream => new OutputStream(host.stderr) };
}
