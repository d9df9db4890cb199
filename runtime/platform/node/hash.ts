// Node's native sha256 for the content store: about ten times faster than the portable one.

import { createHash } from 'node:crypto';
import type { Digest, HasherFactory } from '../../core/digest.js';

export const nodeSha256: HasherFactory = () => {
  const hash = createHash('sha256');
  return {
    update: (chunk) => {
      hash.update(chunk);
    },
    digest: () => `sha256:${hash.digest('hex')}` as Digest,
  };
};
