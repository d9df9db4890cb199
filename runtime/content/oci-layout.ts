// A content store that is an OCI image layout directory (`oci-layout`, `index.json`,
// `blobs/sha256/…`), readable by skopeo (`oci:DIR:NAME`) and umoci. Blobs are written under
// `ingest/` and renamed in only after verification; index.json changes are locked and atomic.

import { type Digest, digestHex, type HasherFactory, isDigest, nobleSha256 } from '../core/digest.js';
import { MediaTypes } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';
import type { FileApi, FileSink } from './file-api.js';
import {
  type BlobInfo,
  type BlobWriter,
  blobNotFound,
  digestMismatch,
  type ImageRecord,
  recordAnnotations,
  type Store,
  sizeMismatch,
} from './store.js';

export interface OciLayoutStoreOptions {
  createHasher?: HasherFactory;
  /** For the index.json lock's wait; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /**
   * Partial ingests a killed pull left can be continued: `owner` names this process in each
   * ingest's `.owner` file, and `ownerAlive` tells whether the process an owner names still runs
   * (Node: same host and `kill(pid, 0)`). Without them, only ingests untouched for 30 s count as
   * abandoned.
   */
  owner?: string;
  ownerAlive?: (owner: string) => boolean;
}

interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: IndexEntry[];
  [key: string]: unknown;
}

/** A lock older than this was left by a killed process (so was an ingest without an owner). */
const staleLockMs = 30_000;
const OWNER = '.owner';
const encoder = new TextEncoder();

/** Unique enough for temp file names (not a secret): Math.random is seeded per process. */
function randomSuffix(): string {
  const part = () =>
    Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return part() + part();
}

export class OciLayoutStore implements Store {
  readonly root: string;
  readonly #fs: FileApi;
  readonly #createHasher: HasherFactory;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #owner: string | undefined;
  readonly #ownerAlive: ((owner: string) => boolean) | undefined;
  #initialising: Promise<void> | undefined;

  constructor(root: string, fs: FileApi, options: OciLayoutStoreOptions = {}) {
    this.root = root.replace(/\/+$/, '') || '/';
    this.#fs = fs;
    this.#createHasher = options.createHasher ?? nobleSha256;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#owner = options.owner;
    this.#ownerAlive = options.ownerAlive;
  }

  #path(...parts: string[]): string {
    return [this.root, ...parts].join('/');
  }

  #blobPath(digest: Digest): string {
    return this.#path('blobs', 'sha256', digestHex(digest));
  }

  /** Creates the layout's skeleton once (a failed attempt is retried on the next call). */
  #init(): Promise<void> {
    this.#initialising ??= this.#createLayout().catch((error: unknown) => {
      this.#initialising = undefined;
      throw error;
    });
    return this.#initialising;
  }

  /** Safe when several processes race to do it. */
  async #createLayout(): Promise<void> {
    // Independent steps run together: a pull waits for this before its first blob.
    await Promise.all([
      this.#fs.mkdirp(this.#path('blobs', 'sha256')),
      this.#fs.mkdirp(this.#path('ingest')),
    ]);
    const [, index] = await Promise.all([
      this.#fs.createExclusive(this.#path('oci-layout'), encoder.encode('{"imageLayoutVersion":"1.0.0"}')),
      this.#fs.stat(this.#path('index.json')),
    ]);
    if (!index) {
      await this.#writeAtomic(
        this.#path('index.json'),
        encoder.encode(serialiseIndex({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] })),
        true,
      );
    }
  }

  async #writeAtomic(path: string, data: Uint8Array, onlyIfMissing = false): Promise<void> {
    const temp = `${path}.tmp-${randomSuffix()}`;
    const sink = await this.#fs.create(temp);
    await sink.write(data);
    await sink.close();
    if (onlyIfMissing && (await this.#fs.stat(path))) {
      await this.#fs.remove(temp);
      return;
    }
    await this.#fs.rename(temp, path);
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    const stat = await this.#fs.stat(this.#blobPath(digest));
    return stat ? { digest, size: stat.size } : undefined;
  }

  async read(digest: Digest): Promise<Uint8Array> {
    const bytes = await this.#fs.read(this.#blobPath(digest));
    if (!bytes) throw blobNotFound(digest);
    return bytes;
  }

  async *readChunks(digest: Digest): AsyncIterable<Uint8Array> {
    if (!(await this.#fs.stat(this.#blobPath(digest)))) throw blobNotFound(digest);
    yield* this.#fs.readChunks(this.#blobPath(digest));
  }

  /** Ingests of `expected` whose process is gone, each no bigger than the blob. */
  async #abandoned(expected: BlobInfo): Promise<string[]> {
    const prefix = `${digestHex(expected.digest)}-`;
    const out: string[] = [];
    for (const name of await this.#fs.list(this.#path('ingest'))) {
      if (!name.startsWith(prefix) || name.endsWith(OWNER)) continue;
      const stat = await this.#fs.stat(this.#path('ingest', name));
      if (!stat || stat.size > expected.size) continue;
      const owner = await this.#fs.read(this.#path('ingest', `${name}${OWNER}`));
      const gone =
        owner && this.#ownerAlive
          ? !this.#ownerAlive(new TextDecoder().decode(owner))
          : this.#now() - stat.mtimeMs > staleLockMs;
      if (gone) out.push(name);
    }
    return out;
  }

  async resumable(expected: BlobInfo): Promise<boolean> {
    return (await this.#abandoned(expected)).length > 0;
  }

  /** Takes over an abandoned ingest by renaming it to `temp` (one process wins); its size. */
  async #claim(expected: BlobInfo, temp: string): Promise<number | undefined> {
    for (const name of await this.#abandoned(expected)) {
      try {
        await this.#fs.rename(this.#path('ingest', name), temp);
      } catch {
        continue; // another process claimed it first
      }
      await this.#fs.remove(this.#path('ingest', `${name}${OWNER}`));
      return (await this.#fs.stat(temp))?.size;
    }
    return undefined;
  }

  async writer(expected: BlobInfo, options: { resume?: boolean } = {}): Promise<BlobWriter> {
    await this.#init();
    const fs = this.#fs;
    const createHasher = this.#createHasher;
    // A unique name per writer: two processes ingesting the same blob never share a file.
    const temp = this.#path('ingest', `${digestHex(expected.digest)}-${randomSuffix()}`);
    const ownerFile = `${temp}${OWNER}`;
    const final = this.#blobPath(expected.digest);
    if (this.#owner) await fs.createExclusive(ownerFile, encoder.encode(this.#owner));
    const claimed = options.resume ? await this.#claim(expected, temp) : undefined;
    let hasher = createHasher();
    let offset = 0;
    if (claimed !== undefined) {
      // What the killed pull wrote is hashed again, and the download continues after it.
      for await (const chunk of fs.readChunks(temp)) {
        hasher.update(chunk);
        offset += chunk.length;
      }
    }
    let sink: FileSink | undefined = await fs.create(temp, { append: claimed !== undefined });
    const discard = async () => {
      const open = sink;
      sink = undefined;
      await open?.close();
      await fs.remove(temp);
      await fs.remove(ownerFile);
    };
    const live = (): FileSink => {
      if (!sink) throw new RuntimeError('ERR_INVALID_ARGUMENT', `ingest of ${expected.digest} is closed`);
      return sink;
    };
    // The hash is taken before a write resolves, so the writer keeps a chunk no longer than its file does.
    const copies = sink.copies === true;
    return {
      get offset() {
        return offset;
      },
      copies,
      async write(chunk) {
        await live().write(chunk);
        offset += chunk.length;
        hasher.update(chunk);
      },
      async reset() {
        await live().close();
        sink = await fs.create(temp);
        offset = 0;
        hasher = createHasher();
      },
      async commit() {
        const open = live();
        sink = undefined;
        await open.close();
        const actual = offset === expected.size ? hasher.digest() : undefined;
        if (actual !== expected.digest) {
          await fs.remove(temp);
          await fs.remove(ownerFile);
          throw actual ? digestMismatch(expected, actual) : sizeMismatch(expected, offset);
        }
        // rename is atomic: readers see no file or the whole verified file, never a part.
        await fs.rename(temp, final);
        await fs.remove(ownerFile);
      },
      abort: discard,
    };
  }

  async delete(digest: Digest): Promise<void> {
    await this.#fs.remove(this.#blobPath(digest));
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const name of await this.#fs.list(this.#path('blobs', 'sha256'))) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      const stat = await this.#fs.stat(this.#blobPath(digest));
      if (stat) out.push({ digest, size: stat.size });
    }
    return out;
  }

  /** Removes ingest files older than `maxAgeMs`: what killed pulls left behind. Returns how many. */
  async removeStaleIngests(maxAgeMs: number): Promise<number> {
    let removed = 0;
    for (const name of await this.#fs.list(this.#path('ingest'))) {
      const stat = await this.#fs.stat(this.#path('ingest', name));
      if (stat && this.#now() - stat.mtimeMs >= maxAgeMs) {
        await this.#fs.remove(this.#path('ingest', name));
        removed++;
      }
    }
    return removed;
  }

  async #readIndex(): Promise<IndexJson> {
    const bytes = await this.#fs.read(this.#path('index.json'));
    if (!bytes) return { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
    try {
      const index = JSON.parse(new TextDecoder().decode(bytes)) as IndexJson;
      if (!Array.isArray(index.manifests)) index.manifests = [];
      return index;
    } catch (error) {
      throw new RuntimeError('ERR_HOST_IO', `${this.#path('index.json')}: not valid JSON`, { cause: error });
    }
  }

  /** Read-modify-write of index.json under a lock file, so concurrent processes never lose a record. */
  async #updateIndex<T>(change: (index: IndexJson) => T): Promise<T> {
    await this.#init();
    const lock = this.#path('index.json.lock');
    for (let wait = 5; ; wait = Math.min(wait * 2, 40)) {
      if (await this.#fs.createExclusive(lock, encoder.encode(String(this.#now())))) break;
      const stat = await this.#fs.stat(lock);
      if (stat && this.#now() - stat.mtimeMs > staleLockMs) await this.#fs.remove(lock);
      else await this.#sleep(wait);
    }
    try {
      const index = await this.#readIndex();
      const result = change(index);
      await this.#writeAtomic(this.#path('index.json'), encoder.encode(serialiseIndex(index)));
      return result;
    } finally {
      await this.#fs.remove(lock);
    }
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    return (await this.listImages()).find((r) => r.name === name);
  }

  async putImage(record: ImageRecord): Promise<void> {
    const entry: IndexEntry = {
      mediaType: record.mediaType,
      digest: record.digest,
      size: record.size,
      annotations: { ...record.annotations, [recordAnnotations.refName]: record.name },
    };
    await this.#updateIndex((index) => {
      index.manifests = index.manifests.filter(
        (m) => m.annotations?.[recordAnnotations.refName] !== record.name,
      );
      index.manifests.push(entry);
    });
  }

  async deleteImage(name: string): Promise<boolean> {
    return this.#updateIndex((index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((m) => m.annotations?.[recordAnnotations.refName] !== name);
      return index.manifests.length !== before;
    });
  }

  async listImages(): Promise<ImageRecord[]> {
    const index = await this.#readIndex();
    const out: ImageRecord[] = [];
    for (const m of index.manifests) {
      const name = m.annotations?.[recordAnnotations.refName];
      // Entries without a name (or written by another tool) are kept but are not our records.
      if (!name || typeof m.digest !== 'string' || !isDigest(m.digest)) continue;
      const { [recordAnnotations.refName]: _, ...annotations } = m.annotations ?? {};
      out.push({ name, digest: m.digest, mediaType: m.mediaType, size: m.size, annotations });
    }
    return out;
  }
}

function serialiseIndex(index: IndexJson): string {
  return JSON.stringify(index);
}
