// Content digests: the branded `Digest` type (`sha256:<64 hex>`), parsed once at the edge, and
// streaming sha256 hashers (pure JS by default so it runs in browsers; a platform may inject a faster one).

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { RuntimeError } from '../errors.js';

/** A validated `sha256:<64 lowercase hex>` string. Only `parseDigest` and hashers make one. */
export type Digest = string & { readonly __brand: 'Digest' };

/** An incremental sha256: feed chunks, then read the digest once. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): Digest;
}

/** Makes a fresh sha256 hasher; injected so Node can use its native one. */
export type HasherFactory = () => Hasher;

const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return digestPattern.test(value);
}

/** Validates a digest string; other algorithms are refused (we can only verify sha256). */
export function parseDigest(value: string, what = 'digest'): Digest {
  if (isDigest(value)) return value;
  if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value) && !value.startsWith('sha256:')) {
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${what} ${value}: only sha256 digests are supported`);
  }
  throw new RuntimeError(
    'ERR_INVALID_ARGUMENT',
    `invalid ${what}: ${value} (expected sha256:<64 hex digits>)`,
  );
}

/** The 64 hex digits of a digest: the blob's file name in an OCI layout. */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** The default hasher: @noble/hashes, which works in every JS runtime. */
export const nobleSha256: HasherFactory = () => {
  const state = sha256.create();
  return {
    update: (chunk) => {
      state.update(chunk);
    },
    digest: () => `sha256:${bytesToHex(state.digest())}` as Digest,
  };
};

/** The digest of bytes held in memory (manifests, configs). */
export function digestOf(bytes: Uint8Array, createHasher: HasherFactory = nobleSha256): Digest {
  const hasher = createHasher();
  hasher.update(bytes);
  return hasher.digest();
}
