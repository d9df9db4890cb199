// What an isolation driver takes and gives back: the container spec, the running container's
// handle and its exit. One contract for the shared (same thread) and vm (own worker) drivers.

import type { InstantiateFn } from '../component/cache.js';
import type { PortableComponent } from '../component/portable.js';
import type { MountSpec } from '../container/rootfs.js';
import type { MemFs } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';
import type { ByteSink, ByteSource } from '../wasi/stdio.js';

export type IsolationMode = 'shared' | 'vm';

/** A memory the module imports, created fresh for every container. Sizes in pages. */
export interface MemoryImportSpec {
  module: string;
  name: string;
  initial: number;
  maximum?: number;
  shared: boolean;
}

/** A compiled module ready to start: compiled once, started many times, posted to workers as is. */
export interface GuestModule {
  module: WebAssembly.Module;
  /** Set when the module imports its memory instead of defining it. */
  memory?: MemoryImportSpec;
}

/**
 * A preview2 component ready to start, made by `prepareComponent`: transpiled once on the host
 * (through its ComponentCache), core modules compiled with the memory cap applied. The vm driver
 * posts it as is, minus `instantiate`: the worker imports `js` itself (once per digest) and needs
 * neither jco nor a disk.
 */
export interface GuestComponent extends PortableComponent {
  kind: 'component';
  /** The generated module's `instantiate`, already loaded in this realm; shared mode uses it. */
  instantiate?: InstantiateFn;
}

/** What a container runs: a preview1 module (compiled, or as prepareModule made it) or a component. */
export type Guest = GuestModule | WebAssembly.Module | GuestComponent;

/** One image layer blob (tar, tar+gzip or tar+zstd), bottom layer first in `ContainerSpec.layers`. */
export interface LayerBlob {
  digest: string;
  mediaType?: string;
  bytes: Uint8Array;
}

/** A host directory to mount, described by path so the mount can be made inside a worker. */
export interface HostMount {
  hostPath: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

/**
 * stdin: bytes known up front, `'pipe'` (write to `handle.stdin`), or a synchronous ByteSource
 * (shared mode only: it cannot cross to a worker). Default: empty.
 */
export type InputSpec = Uint8Array | 'pipe' | ByteSource;

/**
 * stdout/stderr: `'pipe'` (read `handle.stdout`, with backpressure in vm mode), a host-side sink,
 * or a callback per chunk. Default: discarded.
 */
export type OutputSpec = 'pipe' | ByteSink | ((chunk: Uint8Array) => void);

/**
 * One container to start. Everything but `root`, `mounts` and a ByteSource stdin can be posted to a
 * worker; the vm driver refuses those three (ERR_NOT_SUPPORTED) rather than silently dropping them.
 */
export interface ContainerSpec {
  module: Guest;
  /** argv including argv[0]. Default: none. */
  args?: readonly string[];
  /** The exact guest environment. Default: empty (the host env is never inherited). */
  env?: Readonly<Record<string, string>> | readonly string[];
  /** Absolute working directory, created if missing. Default "/". */
  workdir?: string;
  /** Files written into the fresh root before start: absolute path → content. */
  files?: Readonly<Record<string, Uint8Array | string>>;
  hostMounts?: readonly HostMount[];
  /** Image layers, unpacked (once per chain, cached by the realm that runs the guest) into the
   * read-only trees under this container's copy-on-write root. Postable: the vm driver's way to
   * give a worker an image root. */
  layers?: readonly LayerBlob[];
  /** Fresh in-memory file systems mounted at these absolute paths (`--tmpfs`). */
  tmpfs?: readonly string[];
  /** The root refuses every change (EROFS) once mount points exist (`--read-only`). */
  readOnly?: boolean;
  /** shared only: the root tree to use instead of a fresh one (an in-memory tree or an image overlay). */
  root?: MemFs | Overlay;
  /** shared only: mounts of live directory nodes. */
  mounts?: readonly MountSpec[];
  stdin?: InputSpec;
  stdout?: OutputSpec;
  stderr?: OutputSpec;
  /** Kill the guest this long after start (exit status 137, reason 'timeout'). */
  timeoutMs?: number;
  /**
   * Return the container's writable layer with its exit (`ContainerExit.upperTar`) after an exit
   * or a trap; never after a kill or timeout (a killed worker is gone with it). Without an image
   * root, the fresh root is then an overlay with no lower layers. A `root` given as a plain MemFs
   * has no layer to return: refused (ERR_NOT_SUPPORTED). Postable. Default false.
   */
  returnUpper?: boolean;
}

export type KillSignal = 'SIGKILL' | 'SIGTERM' | 'SIGINT';

/** Exit status of a container that was killed or timed out (128 + SIGKILL), as docker reports it. */
export const KILLED_STATUS = 137;

export interface ContainerExit {
  /** 0-255 for a guest's own exit; 134 for a trap; 137 when killed or timed out. */
  exitCode: number;
  reason: 'exit' | 'trap' | 'timeout' | 'killed';
  /** One line for the user when the reason is not a plain exit. */
  message?: string;
  /**
   * With `spec.returnUpper`, after an exit or a trap: the container's upper layer as an
   * uncompressed OCI layer tar in chunks (export-upper.ts), to apply over the image's layers
   * (import-upper.ts `loadUpper`). Mounts are not part of it.
   */
  upperTar?: Uint8Array[];
}

/** How a guest that ran to its end (its own exit, or a trap) ended, in either driver. */
export function guestEnded(
  exitCode: number,
  trap: string | undefined,
  upperTar?: Uint8Array[],
): ContainerExit {
  const upper = upperTar ? { upperTar } : {};
  return trap === undefined
    ? { exitCode, reason: 'exit', ...upper }
    : { exitCode, reason: 'trap', message: `the guest trapped: ${trap}`, ...upper };
}

export interface ContainerHandle {
  /**
   * Settles once the guest no longer runs: resolves with its exit, rejects with a RuntimeError when
   * it could not start (bad module, bad mount) or its worker died.
   */
  readonly exit: Promise<ContainerExit>;
  /** The guest's stdin when the spec asked for `'pipe'`; closing it is end of input. */
  readonly stdin: WritableStream<Uint8Array> | null;
  /** The guest's output when the spec asked for `'pipe'`. */
  readonly stdout: ReadableStream<Uint8Array> | null;
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** Stops the guest (WASI guests cannot catch signals: every signal kills); exit status 137. */
  kill(signal?: KillSignal): void;
}

export interface IsolationDriver {
  readonly mode: IsolationMode;
  /** Starts a container; throws a RuntimeError at once for a spec this driver cannot honour. */
  start(spec: ContainerSpec): ContainerHandle;
  /** Releases the driver's resources (idle workers). Running containers are not affected. */
  close(): Promise<void>;
}
