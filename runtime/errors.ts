// The one error base class of wasmbox: every failure carries a stable `code` that callers,
// the CLI (exit status) and worker boundaries (serialisation) rely on.

/** Stable error codes. Never rename one: users match on them. */
export const ErrorCodes = {
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  NOT_FOUND: 'ERR_NOT_FOUND',
  /** An image that is neither in the store nor pullable (docker run answers 125, not 127). */
  IMAGE_NOT_FOUND: 'ERR_IMAGE_NOT_FOUND',
  NOT_WASM: 'ERR_NOT_WASM',
  NO_START: 'ERR_NO_START',
  UNSUPPORTED_IMPORT: 'ERR_UNSUPPORTED_IMPORT',
  CANNOT_START: 'ERR_CANNOT_START',
  COMPILE: 'ERR_COMPILE',
  HOST_IO: 'ERR_HOST_IO',
  NOT_SUPPORTED: 'ERR_NOT_SUPPORTED',
  LAYER_INVALID: 'ERR_LAYER_INVALID',
  LAYER_LIMIT: 'ERR_LAYER_LIMIT',
  BAD_MANIFEST: 'ERR_BAD_MANIFEST',
  DIGEST_MISMATCH: 'ERR_DIGEST_MISMATCH',
  NO_MATCHING_PLATFORM: 'ERR_NO_MATCHING_PLATFORM',
  REGISTRY: 'ERR_REGISTRY',
  NETWORK: 'ERR_NETWORK',
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  TOO_MANY_REQUESTS: 'ERR_TOO_MANY_REQUESTS',
  TIMEOUT: 'ERR_TIMEOUT',
  INTERRUPTED: 'ERR_INTERRUPTED',
  WORKER_FAILED: 'ERR_WORKER_FAILED',
  /** A container name already in use, or a lifecycle step the container's state forbids. */
  CONFLICT: 'ERR_CONFLICT',
  /** The caller's AbortSignal fired: the pull, create or run stopped and left nothing behind. */
  ABORTED: 'ERR_ABORTED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class RuntimeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.code = code;
  }

  /** A plain object that survives structured clone (worker boundaries). */
  toJSON(): { name: string; code: ErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }

  static fromJSON(value: { code: ErrorCode; message: string }): RuntimeError {
    return new RuntimeError(value.code, value.message);
  }
}

export function isRuntimeError(value: unknown): value is RuntimeError {
  return value instanceof RuntimeError;
}
