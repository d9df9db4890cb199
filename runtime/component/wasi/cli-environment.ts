// wasi:cli/environment: exactly the arguments and environment the caller gave; nothing of the
// host's environment is inherited.

import type { ComponentHost } from '../host.js';

export function cliEnvironment(host: ComponentHost): Record<string, unknown> {
  return {
    getArguments: (): string[] => [...host.args],
    getEnvironment: (): Array<[string, string]> => host.env.map(([k, v]) => [k, v]),
    // The working directory reaches guests as the "." preopen, the way wasi-libc expects it.
    initialCwd: (): string | undefined => undefined,
  };
}
