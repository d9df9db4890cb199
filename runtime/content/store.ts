// The content store's contract: blobs addressed by digest that become visible only once verified,
// and image records (name → manifest). Implementations: memory.ts and oci-layout.ts.

import type { Digest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * An ingest in progress. Lifecycle: write chunks (optionally reset to start over), then `commit`
 * verifies size and sha256 and makes the blob visible atomically, or `abort` drops it. After a
 * failed commit nothing is visible and the writer is closed.
 */
export interface BlobWriter {
  /** Bytes written so far: where a resumed download continues. */
  readonly offset: number;
  /** True when `write` is done with its chunk once it resolves: the caller may reuse the chunk. */
  readonly copies?: boolean;
  write(chunk: Uint8Array): Promise<void>;
  reset(): Promise<void>;
  /** Throws ERR_DIGEST_MISMATCH (size or digest) and discards the data when they do not match. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface ContentStore {
  /** Size of a committed blob, undefined when the store does not have it. */
  info(digest: Digest): Promise<BlobInfo | undefined>;
  /** The whole blob; ERR_NOT_FOUND when missing. */
  read(digest: Digest): Promise<Uint8Array>;
  /** The blob in chunks, for layers too big to want in one buffer. */
  readChunks(digest: Digest): AsyncIterable<Uint8Array>;
  /**
   * Starts an ingest of a blob whose digest and size are known in advance. With `resume`, it may
   * continue a partial ingest a killed process left (see `resumable`): its `offset` then starts
   * where that one stopped.
   */
  writer(expected: BlobInfo, options?: { resume?: boolean }): Promise<BlobWriter>;
  /** True when a partial ingest of the blob is there to continue (a store may not keep any). */
  resumable?(expected: BlobInfo): Promise<boolean>;
  /** Removes a blob; no error when it is missing. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<BlobInfo[]>;
}

/** A named image: what `wasmbox images` lists. */
export interface ImageRecord {
  /** The canonical reference, e.g. `docker.io/library/hello:latest`. */
  name: string;
  /** The manifest (never an index) the name resolves to on this machine. */
  digest: Digest;
  mediaType: string;
  size: number;
  /** wasmbox's facts about the image, see `recordAnnotations`. */
  annotations: Record<string, string>;
}

/** Annotation keys kept on image records (OCI layout: in index.json, next to `ref.name`). */
export const recordAnnotations = {
  refName: 'org.opencontainers.image.ref.name',
  created: 'org.opencontainers.image.created',
  /** Digest the registry gave for the name (an index, or a Docker manifest we converted). */
  sourceDigest: 'io.wasmbox.source.digest',
  platform: 'io.wasmbox.platform',
  packaging: 'io.wasmbox.packaging',
  pulledAt: 'io.wasmbox.pulled',
} as const;

export interface ImageStore {
  getImage(name: string): Promise<ImageRecord | undefined>;
  /** Adds or replaces the record of that name. */
  putImage(record: ImageRecord): Promise<void>;
  /** Returns false when there was no such record. */
  deleteImage(name: string): Promise<boolean>;
  listImages(): Promise<ImageRecord[]>;
}

export type Store = ContentStore & ImageStore;

/** Writes a blob held in memory, verified like any other. */
export async function putBlob(store: ContentStore, expected: BlobInfo, bytes: Uint8Array): Promise<void> {
  if (await store.info(expected.digest)) return;
  const writer = await store.writer(expected);
  try {
    await writer.write(bytes);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
}

export function blobNotFound(digest: Digest): RuntimeError {
  return new RuntimeError('ERR_NOT_FOUND', `blob ${digest} is not in the content store`);
}

export function sizeMismatch(expected: BlobInfo, actual: number): RuntimeError {
  return new RuntimeError(
    'ERR_DIGEST_MISMATCH',
    `blob ${expected.digest}: got ${actual} bytes, expected ${expected.size}`,
  );
}

export function digestMismatch(expected: BlobInfo, actual: Digest): RuntimeError {
  return new RuntimeError('ERR_DIGEST_MISMATCH', `blob ${expected.digest}: content has digest ${actual}`);
}
