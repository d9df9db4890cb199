// A content store in memory: for browsers and tests. Same contract as the OCI layout store.

import { type Digest, type HasherFactory, nobleSha256 } from '../core/digest.js';
import { bufferedWriter } from './buffered-writer.js';
import { type BlobInfo, type BlobWriter, blobNotFound, type ImageRecord, type Store } from './store.js';

export interface MemoryStoreOptions {
  createHasher?: HasherFactory;
}

export class MemoryStore implements Store {
  readonly #blobs = new Map<Digest, Uint8Array>();
  readonly #images = new Map<string, ImageRecord>();
  readonly #createHasher: HasherFactory;

  constructor(options: MemoryStoreOptions = {}) {
    this.#createHasher = options.createHasher ?? nobleSha256;
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    const blob = this.#blobs.get(digest);
    return blob ? { digest, size: blob.length } : undefined;
  }

  async read(digest: Digest): Promise<Uint8Array> {
    const blob = this.#blobs.get(digest);
    if (!blob) throw blobNotFound(digest);
    return blob;
  }

  async *readChunks(digest: Digest): AsyncIterable<Uint8Array> {
    yield await this.read(digest);
  }

  async writer(expected: BlobInfo): Promise<BlobWriter> {
    return bufferedWriter(expected, this.#createHasher, (bytes) => {
      if (!this.#blobs.has(expected.digest)) this.#blobs.set(expected.digest, bytes);
    });
  }

  async delete(digest: Digest): Promise<void> {
    this.#blobs.delete(digest);
  }

  async list(): Promise<BlobInfo[]> {
    return [...this.#blobs].map(([digest, blob]) => ({ digest, size: blob.length }));
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    const record = this.#images.get(name);
    return record ? structuredClone(record) : undefined;
  }

  async putImage(record: ImageRecord): Promise<void> {
    this.#images.set(record.name, structuredClone(record));
  }

  async deleteImage(name: string): Promise<boolean> {
    return this.#images.delete(name);
  }

  async listImages(): Promise<ImageRecord[]> {
    return [...this.#images.values()].map((r) => structuredClone(r));
  }
}
