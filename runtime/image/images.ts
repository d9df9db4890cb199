// The local image library over a store: find an image by name or digest, load what `run` needs,
// remove images, and garbage-collect blobs no image refers to.

import type { BlobInfo, ImageRecord, Store } from '../content/store.js';
import { recordAnnotations } from '../content/store.js';
import type { Descriptor } from '../core/descriptor.js';
import type { Digest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import { formatReference, type ImageReference, parseReference } from '../reference/reference.js';
import { type ImageConfig, parseImageConfig } from './config.js';
import { type ImageManifest, parseManifest } from './manifest.js';
import { type Packaging, wasmLayer } from './packaging.js';

export interface LoadedImage {
  record: ImageRecord;
  manifest: ImageManifest;
  /** The parsed config for JSON configs (images, CNCF artifacts); undefined for others. */
  config: ImageConfig | undefined;
  /** Layers in order, bottom first; every one is present in the store. */
  layers: Descriptor[];
  packaging: Packaging;
  platform: string;
  /** For the raw-wasm packagings: the layer that is the module or component. */
  wasm?: Descriptor;
}

/** Finds a record by reference (`hello`, `docker.io/library/hello:latest`) or by manifest digest (or a 12+ hex prefix). */
export async function findImage(store: Store, text: string): Promise<ImageRecord | undefined> {
  const hex = text.replace(/^sha256:/, '');
  if (/^[0-9a-f]{12,64}$/.test(hex)) {
    const byDigest = (await store.listImages()).find((r) => r.digest.slice(7).startsWith(hex));
    if (byDigest) return byDigest;
  }
  return store.getImage(formatReference(parseReference(text)));
}

function notFound(text: string): RuntimeError {
  return new RuntimeError('ERR_NOT_FOUND', `image ${text} is not in the local store (pull it first)`);
}

/** Loads a pulled image: manifest, config and layer descriptors, checking every blob is present. */
export async function loadImage(store: Store, reference: string): Promise<LoadedImage> {
  const record = await findImage(store, reference);
  if (!record) throw notFound(reference);
  const subject = `manifest of ${record.name}`;
  const parsed = parseManifest(await store.read(record.digest), record.mediaType, subject);
  if (parsed.kind !== 'manifest')
    throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: the record names an index`);
  const packaging = (record.annotations[recordAnnotations.packaging] ?? 'image') as Packaging;
  let config: ImageConfig | undefined;
  if (parsed.config.mediaType.endsWith('json')) {
    config = parseImageConfig(await store.read(parsed.config.digest), `config of ${record.name}`);
  }
  for (const layer of parsed.layers) {
    if (!(await store.info(layer.digest))) {
      throw new RuntimeError(
        'ERR_NOT_FOUND',
        `${record.name}: layer ${layer.digest} is missing from the store (pull again)`,
      );
    }
  }
  const wasm = wasmLayer(parsed, packaging);
  return {
    record,
    manifest: parsed,
    config,
    layers: parsed.layers,
    packaging,
    platform: record.annotations[recordAnnotations.platform] ?? '',
    ...(wasm ? { wasm } : {}),
  };
}

/** Digests an image record keeps alive: its manifest, config and layers. */
async function reachable(store: Store, record: ImageRecord): Promise<Digest[]> {
  const out: Digest[] = [record.digest];
  try {
    const parsed = parseManifest(await store.read(record.digest), record.mediaType, record.name);
    if (parsed.kind === 'manifest') out.push(parsed.config.digest, ...parsed.layers.map((l) => l.digest));
  } catch {
    // A damaged record keeps only its manifest digest alive.
  }
  return out;
}

/** Total bytes of an image: manifest, config and layers. */
export async function imageSize(store: Store, record: ImageRecord): Promise<number> {
  let total = 0;
  for (const digest of new Set(await reachable(store, record)))
    total += (await store.info(digest))?.size ?? 0;
  return total;
}

export interface PruneResult {
  removed: BlobInfo[];
  reclaimedBytes: number;
}

/**
 * Deletes blobs no image record refers to. Not safe against a pull running at the same moment
 * (its blobs are unreferenced until its record is written); the next pull fetches them again.
 */
export async function pruneBlobs(store: Store, only?: ReadonlySet<Digest>): Promise<PruneResult> {
  const live = new Set<Digest>();
  for (const record of await store.listImages()) for (const d of await reachable(store, record)) live.add(d);
  const removed: BlobInfo[] = [];
  for (const blob of await store.list()) {
    if (live.has(blob.digest) || (only && !only.has(blob.digest))) continue;
    await store.delete(blob.digest);
    removed.push(blob);
  }
  return { removed, reclaimedBytes: removed.reduce((n, b) => n + b.size, 0) };
}

/** `rmi`: removes the record, then the blobs only it used. */
export async function removeImage(
  store: Store,
  reference: string,
): Promise<{ name: string; removed: BlobInfo[] }> {
  const record = await findImage(store, reference);
  if (!record) throw notFound(reference);
  const owned = new Set(await reachable(store, record));
  await store.deleteImage(record.name);
  const { removed } = await pruneBlobs(store, owned);
  return { name: record.name, removed };
}

export type PullPolicy = 'missing' | 'always' | 'never';

/**
 * Makes sure the image `ref` names is in the store, as docker's `--pull` does: `always` pulls,
 * `missing` pulls when absent, `never` refuses when absent. Local `oci:`/`oci-archive:` sources are
 * read again every time (cheap, and they may have been rebuilt). `pull(missing)` does the pulling;
 * a source that has no such image becomes ERR_IMAGE_NOT_FOUND (docker run's 125, unlike a missing
 * program file's 127).
 */
export async function ensureImage(
  store: Store,
  ref: ImageReference,
  policy: PullPolicy,
  pull: (missing: boolean) => Promise<unknown>,
): Promise<void> {
  const name = formatReference(ref);
  const local = ref.transport !== 'registry';
  const have = local ? undefined : await findImage(store, name);
  if (have && policy !== 'always') return;
  if (!have && !local && policy === 'never') {
    throw new RuntimeError(
      'ERR_IMAGE_NOT_FOUND',
      `image ${name} is not in the local store and the pull policy is never`,
    );
  }
  try {
    await pull(!have && !local);
  } catch (error) {
    if (error instanceof RuntimeError && error.code === 'ERR_NOT_FOUND') {
      throw new RuntimeError('ERR_IMAGE_NOT_FOUND', error.message, { cause: error });
    }
    throw error;
  }
}
