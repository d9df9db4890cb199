// The one shape of every layer refusal: the code, the layer digest and the entry, so a user can
// tell which blob of which image is at fault.

import { type ErrorCode, RuntimeError } from '../errors.js';

/** Throws `code` with a message naming the layer and, when known, the entry. */
export function layerError(
  code: ErrorCode,
  digest: string,
  entry: string | undefined,
  reason: string,
): never {
  const where = entry === undefined ? `layer ${digest}` : `layer ${digest}: entry "${entry}"`;
  throw new RuntimeError(code, `${where}: ${reason}`);
}
