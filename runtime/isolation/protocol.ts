// The vm driver's message protocol between host and worker, and the layout of the shared control
// block through which a blocked worker receives stdin and output acknowledgements (Atomics.wait).

import type { ErrorCode } from '../errors.js';
import type { ContainerSpec, GuestComponent, GuestModule } from './types.js';

/** The postable part of a ContainerSpec: no live objects, only cloneable data and compiled modules
 * (a component travels without its `instantiate`: the worker loads its generated JS itself). */
export interface WireSpec
  extends Pick<
    ContainerSpec,
    'args' | 'env' | 'workdir' | 'files' | 'hostMounts' | 'layers' | 'tmpfs' | 'readOnly' | 'returnUpper'
  > {
  module: GuestModule | GuestComponent;
  stdin: Uint8Array | 'pipe' | undefined;
  /** Whether the host wants the stream; unwanted output is discarded in the worker. */
  stdout: boolean;
  stderr: boolean;
}

export type HostToWorker = { type: 'start'; spec: WireSpec; control: SharedArrayBuffer };

export type WorkerToHost =
  | { type: 'ready' }
  | { type: 'out'; fd: 1 | 2; bytes: Uint8Array }
  /** The guest blocks reading stdin until the host fills the control block. */
  | { type: 'stdin'; max: number }
  /** `upperTar`: the writable layer when the spec asked for it (its buffers are transferred). */
  | { type: 'exit'; exitCode: number; trap?: string; upperTar?: Uint8Array[] }
  /** The container could not run; `fatal` when the worker should not be reused. */
  | { type: 'failed'; error: { code: ErrorCode; message: string }; fatal: boolean };

/** Int32 slots of the control block. */
export const STDIN_STATE = 0;
export const STDIN_LENGTH = 1;
/** Output bytes posted by the worker and not yet taken by the host's consumer. */
export const OUT_PENDING = 2;

export const STDIN_EMPTY = 0;
export const STDIN_DATA = 1;
export const STDIN_EOF = 2;

const HEADER_BYTES = 16;
/** Largest stdin chunk handed over per read. */
export const STDIN_CAPACITY = 64 * 1024;
/** The worker blocks writing once this much output waits for the host's consumer. */
export const OUT_HIGH_WATER = 1024 * 1024;

export interface Control {
  slots: Int32Array;
  stdin: Uint8Array;
}

export function createControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + STDIN_CAPACITY);
}

export function controlView(buffer: SharedArrayBuffer): Control {
  return {
    slots: new Int32Array(buffer, 0, HEADER_BYTES / 4),
    stdin: new Uint8Array(buffer, HEADER_BYTES, STDIN_CAPACITY),
  };
}
