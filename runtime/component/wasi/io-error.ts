// wasi:io/error: the `error` resource a failed stream operation carries. It remembers the
// file-system error code so wasi:filesystem/types#filesystem-error-code can recover it.

import type { ErrorCode } from '../failure.js';

export class IoError {
  readonly #message: string;
  readonly #code: ErrorCode | undefined;

  constructor(message: string, code?: ErrorCode) {
    this.#message = message;
    this.#code = code;
  }

  toDebugString(): string {
    return this.#message;
  }

  /** The file-system error code behind `error`, if it is one of ours and has one. */
  static codeOf(error: unknown): ErrorCode | undefined {
    return error instanceof IoError ? error.#code : undefined;
  }
}

export function ioError(): Record<string, unknown> {
  return { Error: IoError };
}
