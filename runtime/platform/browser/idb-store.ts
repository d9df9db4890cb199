// A content store in IndexedDB, so a browser keeps pulled images across page loads. Same contract
// as the memory and OCI layout stores: a blob is verified in memory, then written with its size in
// one transaction, so a reader never sees part of a blob or a blob that failed its digest check.

import { bufferedWriter } from '../../content/buffered-writer.js';
import {
  type BlobInfo,
  type BlobWriter,
  blobNotFound,
  type ImageRecord,
  type Store,
} from '../../content/store.js';
import { type Digest, type HasherFactory, nobleSha256 } from '../../core/digest.js';
import { RuntimeError } from '../../errors.js';

export interface IdbStoreOptions {
  /** Database name. Default 'wasmbox'. */
  name?: string;
  /** The IndexedDB factory. Default: the global `indexedDB`. */
  indexedDB?: IDBFactory;
  createHasher?: HasherFactory;
}

const SIZES = 'blob-sizes';
const BLOBS = 'blobs';
const IMAGES = 'images';
const VERSION = 1;
/** Chunk size handed out by readChunks, so a consumer can stream a large layer. */
const CHUNK = 1 << 20;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError(req.error));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(storageError(tx.error));
    tx.onabort = () => reject(storageError(tx.error));
  });
}

function storageError(error: DOMException | null): RuntimeError {
  return new RuntimeError('ERR_HOST_IO', `IndexedDB: ${error?.message ?? 'unknown error'}`);
}

export class IdbStore implements Store {
  readonly name: string;
  readonly #factory: IDBFactory;
  readonly #createHasher: HasherFactory;
  #db: Promise<IDBDatabase> | undefined;

  constructor(options: IdbStoreOptions = {}) {
    this.name = options.name ?? 'wasmbox';
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) throw new RuntimeError('ERR_NOT_SUPPORTED', 'IndexedDB is not available here');
    this.#factory = factory;
    this.#createHasher = options.createHasher ?? nobleSha256;
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const req = this.#factory.open(this.name, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        for (const name of [SIZES, BLOBS, IMAGES]) {
          if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(storageError(req.error));
      req.onblocked = () =>
        reject(new RuntimeError('ERR_HOST_IO', `IndexedDB ${this.name}: blocked by another tab`));
    });
    return this.#db;
  }

  async #get<T>(store: string, key: string): Promise<T | undefined> {
    const db = await this.#open();
    return (await request(db.transaction(store, 'readonly').objectStore(store).get(key))) as T | undefined;
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    const size = await this.#get<number>(SIZES, digest);
    return size === undefined ? undefined : { digest, size };
  }

  async read(digest: Digest): Promise<Uint8Array> {
    const bytes = await this.#get<Uint8Array>(BLOBS, digest);
    if (!bytes) throw blobNotFound(digest);
    return bytes;
  }

  async *readChunks(digest: Digest): AsyncIterable<Uint8Array> {
    const bytes = await this.read(digest);
    for (let at = 0; at < bytes.length; at += CHUNK) yield bytes.subarray(at, at + CHUNK);
    if (bytes.length === 0) yield bytes;
  }

  async writer(expected: BlobInfo): Promise<BlobWriter> {
    return bufferedWriter(expected, this.#createHasher, async (bytes) => {
      const db = await this.#open();
      const tx = db.transaction([SIZES, BLOBS], 'readwrite');
      tx.objectStore(BLOBS).put(bytes, expected.digest);
      tx.objectStore(SIZES).put(bytes.length, expected.digest);
      await done(tx);
    });
  }

  async delete(digest: Digest): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction([SIZES, BLOBS], 'readwrite');
    tx.objectStore(SIZES).delete(digest);
    tx.objectStore(BLOBS).delete(digest);
    await done(tx);
  }

  async list(): Promise<BlobInfo[]> {
    const db = await this.#open();
    const store = db.transaction(SIZES, 'readonly').objectStore(SIZES);
    const [keys, sizes] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
    return keys.map((key, i) => ({ digest: key as Digest, size: sizes[i] as number }));
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    return this.#get<ImageRecord>(IMAGES, name);
  }

  async putImage(record: ImageRecord): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(IMAGES, 'readwrite');
    tx.objectStore(IMAGES).put(structuredClone(record), record.name);
    await done(tx);
  }

  async deleteImage(name: string): Promise<boolean> {
    const db = await this.#open();
    const tx = db.transaction(IMAGES, 'readwrite');
    const images = tx.objectStore(IMAGES);
    let existed = false;
    const count = images.count(name);
    // Deleted from the count's own callback: the transaction is surely still active there.
    count.onsuccess = () => {
      existed = count.result > 0;
      if (existed) images.delete(name);
    };
    await done(tx);
    return existed;
  }

  async listImages(): Promise<ImageRecord[]> {
    const db = await this.#open();
    return (await request(db.transaction(IMAGES, 'readonly').objectStore(IMAGES).getAll())) as ImageRecord[];
  }

  /** Closes the connection (tests, and before deleting the database). */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    (await db)?.close();
  }
}
