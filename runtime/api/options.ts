// The library's public option and result types (createRuntime, pull, create/run, exec), and their
// parsing into plain values once, at the edge: sizes, durations, isolation names, env.

import type { ComponentCache } from '../component/cache.js';
import type { FileApi } from '../content/file-api.js';
import type { Store } from '../content/store.js';
import { RuntimeError } from '../errors.js';
import type { PullEvent } from '../image/pull.js';
import { parseDuration, parseIsolation, parseSize } from '../isolation/limits.js';
import type { Interrupter, MountHost, WorkerFactory } from '../isolation/seam.js';
import type { IsolationMode, KillSignal } from '../isolation/types.js';
import type { CredentialSource, Credentials } from '../registry/credentials.js';
import type { RuntimeEvent } from './events.js';
import type { Mount } from './mounts.js';

export type { IsolationMode, KillSignal, PullEvent };

/**
 * What a runtime is built from. Every capability is injected: the Node and browser entries fill
 * in their platform's defaults, and anything given here wins over them.
 */
export interface RuntimeOptions {
  /** Where images live. Node default: the OCI layout under $WASMBOX_HOME; browser: memory. */
  store?: Store;
  /** HTTP transport for registries. Node default: node:http/https (http-fetch.ts); browser: the page's fetch. */
  fetch?: typeof fetch;
  /**
   * Registry host table: a reference domain (`docker.io`, `ghcr.io`) or an origin
   * (`https://auth.docker.io`) → the base URL to use instead (a mirror, or a CORS proxy that
   * forwards paths). Redirect targets and token realms are rewritten too when listed.
   */
  registryHosts?: Readonly<Record<string, string>>;
  /** Credentials per registry domain, or a lookup. Default: none (Node: ~/.docker/config.json). */
  credentials?: CredentialSource | Readonly<Record<string, Credentials>>;
  /** Registries (host or host:port) reached over plain HTTP; loopback always is. */
  insecureRegistries?: readonly string[];
  /** Isolation for runs that do not choose one. Default 'shared'. */
  isolation?: IsolationMode | 'process' | 'hyperv';
  /** vm isolation: idle workers kept booted. Default 0 (each start boots or reuses a worker). */
  pool?: number;
  /** vm isolation: how workers are spawned (Node: worker_threads; browser: Web Workers). */
  workers?: WorkerFactory;
  /** shared isolation: what stops a guest at its timeout (Node: the vm module's watchdog). */
  interrupter?: Interrupter;
  /** Host directory mounts (Node only). */
  mountHost?: MountHost;
  /** File access for `oci:DIR` references (Node: the file system; browser: a layout over HTTP). */
  files?: FileApi;
  /** Where transpiled components are kept. Default: memory, for the runtime's life. */
  componentCache?: ComponentCache;
  /** Lifecycle events of every container and pull of this runtime. */
  onEvent?: (event: RuntimeEvent) => void;
  /**
   * What the runtime keeps for the next container, forgetting the least recently used beyond:
   * unpacked layer trees (default 1 GiB, about their file bytes) and compiled guests (default 64).
   */
  cache?: { layerBytes?: number; guests?: number };
}

/** Compiled modules and components a runtime keeps by default. */
export const DEFAULT_CACHED_GUESTS = 64;

export interface PullOptions {
  signal?: AbortSignal;
  onProgress?: (event: PullEvent) => void;
  /** `os/arch`, e.g. `wasip1/wasm`; default: the first wasm platform the image offers. */
  platform?: string;
}

/** `missing` (default): pull when not in the store; `always`; `never`: fail when missing. */
export type PullPolicy = 'missing' | 'always' | 'never';

/**
 * stdin: `'pipe'` (write to `container.stdin`, close it for end of input), bytes or text known up
 * front, or a ReadableStream piped in for you. Default: empty (end of input at once).
 */
export type StdinOption = 'pipe' | Uint8Array | string | ReadableStream<Uint8Array>;

/** `'pipe'` (default): read `container.stdout`; `'ignore'`; or a callback per chunk. */
export type OutputOption = 'pipe' | 'ignore' | ((chunk: Uint8Array) => void);

export interface CreateOptions {
  /** Arguments: replace the image's Cmd (docker's rule); for a bare module, argv after argv[0]. */
  args?: readonly string[];
  /** Replaces the image's Entrypoint (its Cmd is then dropped). */
  entrypoint?: readonly string[];
  /** Added to (and overriding) the image's Env. The host env is never passed. */
  env?: Readonly<Record<string, string>>;
  /** Absolute working directory. Default: the image's WorkingDir, else "/". */
  cwd?: string;
  stdin?: StdinOption;
  stdout?: OutputOption;
  stderr?: OutputOption;
  /** Files written into the container's root before it starts: absolute path → content. */
  files?: Readonly<Record<string, Uint8Array | string>>;
  mounts?: readonly Mount[];
  /** Fresh in-memory file systems at these absolute paths. */
  tmpfs?: readonly string[];
  /** The root refuses every change (EROFS); mounts keep their own mode. */
  readOnly?: boolean;
  isolation?: IsolationMode | 'process' | 'hyperv';
  /** Cap on the guest's memory: bytes, or `'64m'`-style sizes. */
  memory?: number | string;
  /** Kill the guest this long after start: milliseconds, or `'2s'`-style durations. Exit 137. */
  timeout?: number | string;
  /** Aborts pull and create (rejecting with ERR_ABORTED) or kills the running guest. */
  signal?: AbortSignal;
  /** For image references. Default 'missing'. */
  pull?: PullPolicy;
  platform?: string;
  /** argv[0] for a bare module (bytes or a WebAssembly.Module). Default 'main.wasm'. */
  name?: string;
  onProgress?: (event: PullEvent) => void;
}

export type RunOptions = CreateOptions;

/** exec: like run, but stdin cannot be 'pipe' and output is collected. */
export interface RuntimeExecOptions extends Omit<CreateOptions, 'stdin' | 'stdout' | 'stderr'> {
  stdin?: Uint8Array | string | ReadableStream<Uint8Array>;
}

/** How a container ended. */
export interface ExitStatus {
  /** 0-255 from the guest; 134 for a trap; 137 when killed, timed out or aborted. */
  code: number;
  /** The signal that killed it ('SIGKILL' for a timeout or an abort). */
  signal?: KillSignal;
  reason: 'exit' | 'trap' | 'timeout' | 'killed' | 'aborted';
  /** From start to exit, in milliseconds (0 for a container killed before it started). */
  durationMs: number;
  /** One line for the user when the reason is not a plain exit. */
  message?: string;
}

export interface RuntimeExecResult extends ExitStatus {
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  stderrBytes: Uint8Array;
}

/** The parsed limits of one create. */
export interface Limits {
  isolation: IsolationMode;
  memoryLimit?: number;
  timeoutMs?: number;
}

export function parseLimits(options: CreateOptions, fallback: IsolationMode): Limits {
  const memory = options.memory;
  const timeout = options.timeout;
  if (typeof memory === 'number' && !(memory > 0)) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid memory limit ${memory}: must be positive`);
  }
  if (typeof timeout === 'number' && !(timeout > 0)) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid timeout ${timeout}: must be positive`);
  }
  return {
    isolation: options.isolation === undefined ? fallback : parseIsolation(options.isolation),
    ...(memory === undefined ? {} : { memoryLimit: typeof memory === 'number' ? memory : parseSize(memory) }),
    ...(timeout === undefined
      ? {}
      : { timeoutMs: typeof timeout === 'number' ? Math.ceil(timeout) : parseDuration(timeout) }),
  };
}

export function checkAbsolute(path: string, what: string): void {
  if (!path.startsWith('/')) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `${what} must be an absolute path: "${path}"`);
  }
}

/** Text or bytes as bytes. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}
