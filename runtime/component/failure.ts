// How host functions of the wasi:* 0.2 interfaces fail: a `result` error travels to the guest
// as a thrown value with a `payload` (what jco's bindings look for); exit and traps end the run.

import { type FsErrno, FsError } from '../vfs/types.js';

/** The `error-code` enum of wasi:filesystem/types. */
export type ErrorCode =
  | 'access'
  | 'would-block'
  | 'already'
  | 'bad-descriptor'
  | 'busy'
  | 'deadlock'
  | 'quota'
  | 'exist'
  | 'file-too-large'
  | 'illegal-byte-sequence'
  | 'in-progress'
  | 'interrupted'
  | 'invalid'
  | 'io'
  | 'is-directory'
  | 'loop'
  | 'too-many-links'
  | 'message-size'
  | 'name-too-long'
  | 'no-device'
  | 'no-entry'
  | 'no-lock'
  | 'insufficient-memory'
  | 'insufficient-space'
  | 'not-directory'
  | 'not-empty'
  | 'not-recoverable'
  | 'unsupported'
  | 'no-tty'
  | 'no-such-device'
  | 'overflow'
  | 'not-permitted'
  | 'pipe'
  | 'read-only'
  | 'invalid-seek'
  | 'text-file-busy'
  | 'cross-device';

const FROM_FS: Record<FsErrno, ErrorCode> = {
  EACCES: 'access',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  ENAMETOOLONG: 'name-too-long',
  ENOENT: 'no-entry',
  ENOSPC: 'insufficient-space',
  // wasmtime reports a path that leaves its preopen as not-permitted; the adapter makes it EPERM.
  ENOTCAPABLE: 'not-permitted',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTSUP: 'unsupported',
  EPERM: 'not-permitted',
  EROFS: 'read-only',
  EXDEV: 'cross-device',
};

/**
 * The error side of a WIT `result`, thrown by a host function. jco's bindings take the own
 * `payload` property as the `err` value; anything else thrown is a host bug and traps the guest.
 */
export class WasiFailure extends Error {
  readonly payload: unknown;

  constructor(payload: unknown) {
    super(typeof payload === 'string' ? payload : 'wasi failure');
    this.name = 'WasiFailure';
    this.payload = payload;
  }
}

/** Fails the current call with a wasi:filesystem error code. */
export function fail(code: ErrorCode): never {
  throw new WasiFailure(code);
}

/** The one place where kernel (VFS) failures become wasi:filesystem error codes. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof FsError) return FROM_FS[error.errno];
  if (error instanceof RangeError) return 'insufficient-memory';
  throw error;
}

/** Runs a file-system operation, turning VFS failures into a `result` error for the guest. */
export function fsCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof WasiFailure) throw error;
    throw new WasiFailure(errorCodeOf(error));
  }
}

/** Thrown through the guest by wasi:cli/exit to end it; never escapes runComponent. */
export class ComponentExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ComponentExit';
  }
}

/** A guest misuse the spec says traps (an empty poll list, a bad handle): ends the run with 134. */
export function trap(message: string): never {
  throw new WebAssembly.RuntimeError(message);
}
