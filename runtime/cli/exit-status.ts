// Docker's exit statuses for failures of the runtime itself, and the one place errors become them.

import { isRuntimeError } from '../errors.js';

/** The runtime failed (bad flag, bad input, unsupported module). */
export const EXIT_RUNTIME = 125;
/** The program exists but cannot be started. */
export const EXIT_CANNOT_START = 126;
/** The program was not found. */
export const EXIT_NOT_FOUND = 127;

export function exitStatusOf(error: unknown): number {
  if (!isRuntimeError(error)) return EXIT_RUNTIME;
  switch (error.code) {
    case 'ERR_NOT_FOUND':
      return EXIT_NOT_FOUND;
    case 'ERR_CANNOT_START':
      return EXIT_CANNOT_START;
    default:
      return EXIT_RUNTIME;
  }
}

/** One line for the user: no stack traces for errors we expected. */
export function describeError(error: unknown): string {
  if (isRuntimeError(error)) return `${error.message} [${error.code}]`;
  return `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}
