// Docker's rules for turning an image config plus the user's overrides into what a container runs:
// the command line, environment and working directory.

import { RuntimeError } from '../errors.js';

/** The parts of an OCI image config (`config` field) that decide what runs. */
export interface ImageRunConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
}

export interface RunOverrides {
  /** Replaces the image's Entrypoint; the image's Cmd is then dropped (docker's rule). */
  entrypoint?: string[];
  /** Arguments after the image name: replace the image's Cmd. */
  args?: string[];
  /** KEY=VALUE entries added to (and overriding) the image's Env. */
  env?: Iterable<[string, string]>;
  workdir?: string;
}

export interface ContainerCommand {
  /** argv; argv[0] is the path of the program inside the container. */
  argv: string[];
  env: Map<string, string>;
  workdir: string;
}

export function resolveCommand(config: ImageRunConfig, overrides: RunOverrides = {}): ContainerCommand {
  const entrypoint = overrides.entrypoint ?? config.Entrypoint ?? [];
  const cmd =
    overrides.args && overrides.args.length > 0
      ? overrides.args
      : overrides.entrypoint
        ? []
        : (config.Cmd ?? []);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      'no command: the image has no Entrypoint or Cmd and none was given',
    );
  }
  const env = new Map<string, string>();
  for (const entry of config.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [k, v] of overrides.env ?? []) env.set(k, v);
  const workdir = overrides.workdir ?? (config.WorkingDir || '/');
  if (!workdir.startsWith('/')) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `the working directory must be absolute: ${workdir}`);
  }
  return { argv, env, workdir };
}
