// The pull pipeline: reference → source → manifest (platform choice for an index) → config and
// layers streamed into the content store, verified → manifest → image record (name → manifest).
// Children are committed before their parent, so a visible manifest implies its blobs are there.

import type { FileApi } from '../content/file-api.js';
import {
  type BlobWriter,
  type ContentStore,
  type ImageRecord,
  putBlob,
  recordAnnotations,
  type Store,
} from '../content/store.js';
import { type Descriptor, formatPlatform, type Platform } from '../core/descriptor.js';
import { type Digest, digestOf, type HasherFactory, nobleSha256 } from '../core/digest.js';
import { mapLimit } from '../core/pool.js';
import { RuntimeError } from '../errors.js';
import { formatReference, type ImageReference, parseReference } from '../reference/reference.js';
import { type BlobSink, clientFor, type RegistryAccess } from '../registry/client.js';
import { archiveSource } from './archive.js';
import { type ImageConfig, parseImageConfig } from './config.js';
import { type ImageManifest, parseManifest, serialiseManifest, toOciManifest } from './manifest.js';
import { classifyPackaging, type Packaging } from './packaging.js';
import { choosePlatform, isWasmPlatform, parsePlatform } from './platform.js';
import { type ImageSource, layoutSource, registrySource } from './source.js';

export type PullEvent =
  | { type: 'resolved'; name: string; digest: Digest; platform: string; packaging: Packaging }
  | {
      type: 'blob';
      digest: Digest;
      size: number;
      role: 'config' | 'layer';
      status: 'exists' | 'downloading' | 'done';
    }
  | { type: 'bytes'; digest: Digest; bytes: number };

export interface PullOptions extends RegistryAccess {
  store: Store;
  /** `os/arch[/variant]` to force; default: the first wasm platform the index offers. */
  platform?: string | Platform;
  /** Blobs downloaded at once (default 3, like docker). */
  concurrency?: number;
  /** File access for `oci:DIR` references. */
  files?: FileApi;
  /** sha256 for verifying manifests (blobs are verified by the store). */
  createHasher?: HasherFactory;
  onProgress?: (event: PullEvent) => void;
  /** Clock for the record's pull time. */
  now?: () => Date;
  /** Records the image under this name instead of the reference's (`wasmbox load`). */
  recordName?: string;
}

function openSource(ref: ImageReference, options: PullOptions): ImageSource {
  if (ref.transport === 'registry') {
    return registrySource(clientFor(options, 'pulling from a registry'), ref);
  }
  if (ref.transport === 'oci') {
    if (!options.files)
      throw new RuntimeError('ERR_NOT_SUPPORTED', `${formatReference(ref)}: no file access here`);
    return layoutSource(options.files, ref);
  }
  if (!options.files)
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${formatReference(ref)}: no file access here`);
  return archiveSource(options.files, ref);
}

function verify(
  bytes: Uint8Array,
  desc: { digest: Digest; size?: number },
  subject: string,
  hasher: HasherFactory,
): void {
  const actual = digestOf(bytes, hasher);
  if (actual !== desc.digest)
    throw new RuntimeError(
      'ERR_DIGEST_MISMATCH',
      `${subject}: content has digest ${actual}, expected ${desc.digest}`,
    );
  if (desc.size !== undefined && bytes.length !== desc.size) {
    throw new RuntimeError(
      'ERR_DIGEST_MISMATCH',
      `${subject}: ${bytes.length} bytes, its descriptor says ${desc.size}`,
    );
  }
}

/**
 * Streams one blob into the store. The store's ingest is opened while the request goes out (the
 * first pull into a new store creates its layout then). With `hold`, the download may run ahead
 * but the blob is committed only once `hold` resolves; when it rejects, or `signal` aborts, the
 * partial download is removed and nothing becomes visible.
 */
async function fetchBlob(
  store: ContentStore,
  source: ImageSource,
  desc: Descriptor,
  role: 'config' | 'layer',
  name: string,
  onProgress?: (event: PullEvent) => void,
  hold?: { promise: Promise<void>; signal: AbortSignal },
): Promise<void> {
  const base = { digest: desc.digest, size: desc.size, role } as const;
  // A RuntimeError, so the registry client stops at once instead of retrying the download.
  const cancelled = () => {
    if (hold?.signal.aborted)
      throw new RuntimeError('ERR_ABORTED', `${role} ${desc.digest}: cancelled`, {
        cause: hold.signal.reason,
      });
  };
  cancelled();
  const have = await store.info(desc.digest);
  if (have && have.size === desc.size) {
    onProgress?.({ ...base, type: 'blob', status: 'exists' });
    return;
  }
  cancelled();
  onProgress?.({ ...base, type: 'blob', status: 'downloading' });
  // A partial ingest a killed pull left is continued (the request then asks for the rest, by
  // Range); otherwise the ingest opens while the request is out.
  const resume = (await store.resumable?.({ digest: desc.digest, size: desc.size })) === true;
  const opening = store.writer({ digest: desc.digest, size: desc.size }, { resume });
  opening.catch(() => {});
  let writer: BlobWriter | undefined;
  const open = async (): Promise<BlobWriter> => {
    cancelled();
    writer ??= await opening;
    return writer;
  };
  const sink: BlobSink = {
    get offset() {
      return writer?.offset ?? 0;
    },
    get copies() {
      return writer?.copies === true;
    },
    write: async (chunk) => (await open()).write(chunk),
    reset: async () => (await open()).reset(),
  };
  try {
    if (resume) {
      const resumed = (await open()).offset;
      if (resumed > 0) onProgress?.({ type: 'bytes', digest: desc.digest, bytes: resumed });
    }
    if (writer?.offset !== desc.size) {
      await source.blob(
        desc,
        sink,
        onProgress ? (bytes) => onProgress({ type: 'bytes', digest: desc.digest, bytes }) : undefined,
      );
    }
    await hold?.promise;
    await (await open()).commit();
  } catch (error) {
    await opening.then((w) => w.abort()).catch(() => {});
    throw withImageName(error, name);
  }
  onProgress?.({ ...base, type: 'blob', status: 'done' });
}

/** Configs bigger than this are not parsed (and stream to the store like a layer). */
const maxConfigBytes = 1 << 20;

function withImageName(error: unknown, name: string): unknown {
  if (error instanceof RuntimeError && !error.message.includes(name)) {
    return new RuntimeError(error.code, `${name}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * A small blob's bytes: from the store when it has them, else downloaded into memory and
 * verified there. The store's ingest is opened while the bytes download (off the critical path);
 * `stored` is the write and commit of the verified bytes, already started.
 */
async function configBytes(
  store: ContentStore,
  source: ImageSource,
  desc: Descriptor,
  name: string,
  hasher: HasherFactory,
  onProgress?: (event: PullEvent) => void,
): Promise<{ data: Uint8Array; stored?: Promise<void> }> {
  const base = { digest: desc.digest, size: desc.size, role: 'config' } as const;
  const have = await store.info(desc.digest);
  if (have && have.size === desc.size) {
    onProgress?.({ ...base, type: 'blob', status: 'exists' });
    return { data: await store.read(desc.digest) };
  }
  onProgress?.({ ...base, type: 'blob', status: 'downloading' });
  const opening = store.writer({ digest: desc.digest, size: desc.size });
  opening.catch(() => {});
  let chunks: Uint8Array[] = [];
  let offset = 0;
  const sink: BlobSink = {
    get offset() {
      return offset;
    },
    write: async (chunk) => {
      chunks.push(chunk);
      offset += chunk.length;
    },
    reset: async () => {
      chunks = [];
      offset = 0;
    },
  };
  let data = new Uint8Array(0);
  try {
    await source.blob(
      desc,
      sink,
      onProgress ? (bytes) => onProgress({ type: 'bytes', digest: desc.digest, bytes }) : undefined,
    );
    data = new Uint8Array(offset);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    verify(data, desc, `config ${desc.digest} of ${name}`, hasher);
  } catch (error) {
    await opening.then((writer) => writer.abort()).catch(() => {});
    throw withImageName(error, name);
  }
  onProgress?.({ ...base, type: 'blob', status: 'done' });
  const stored = opening.then(async (writer) => {
    try {
      await writer.write(data);
      await writer.commit();
    } catch (error) {
      await writer.abort().catch(() => {});
      throw withImageName(error, name);
    }
  });
  return { data, stored };
}

/** Like Promise.all, but when one fails it still waits for the others: no write outlives a pull. */
async function settled<T extends readonly unknown[]>(
  promises: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Pulls an image into the store and records it under its canonical name; returns the record. */
export async function pullImage(
  reference: string | ImageReference,
  options: PullOptions,
): Promise<ImageRecord> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
  const hasher = options.createHasher ?? nobleSha256;
  const name = formatReference(ref);
  const source = openSource(ref, options);

  const top = await source.resolve();
  const topDigest = digestOf(top.bytes, hasher);
  if (ref.transport === 'registry' && ref.digest && topDigest !== ref.digest) {
    throw new RuntimeError(
      'ERR_DIGEST_MISMATCH',
      `${name}: the registry returned content with digest ${topDigest}`,
    );
  }
  let parsed = parseManifest(top.bytes, top.contentType, `manifest of ${name}`);
  let manifestBytes = top.bytes;
  let manifestDigest = topDigest;
  let platform: Platform | undefined;
  if (parsed.kind === 'index') {
    const entry = choosePlatform(parsed.manifests, name, wanted);
    platform = entry.platform;
    const fetched = await source.manifest(entry);
    verify(fetched.bytes, entry, `manifest ${entry.digest} of ${name}`, hasher);
    parsed = parseManifest(
      fetched.bytes,
      fetched.contentType || entry.mediaType,
      `manifest ${entry.digest} of ${name}`,
    );
    if (parsed.kind !== 'manifest')
      throw new RuntimeError('ERR_NOT_SUPPORTED', `${name}: nested indexes are not supported`);
    manifestBytes = fetched.bytes;
    manifestDigest = entry.digest;
  }
  const manifest: ImageManifest = parsed;
  const packaging = classifyPackaging(manifest, name);

  // The config is parsed before any layer starts (its platform decides), so a small one is
  // fetched into memory and verified there; its store write runs along with the layers.
  let storingConfig: Promise<void> = Promise.resolve();
  const fetchConfig = async (): Promise<ImageConfig | undefined> => {
    const desc = manifest.config;
    if (!desc.mediaType.endsWith('json') || desc.size > maxConfigBytes) {
      await fetchBlob(options.store, source, desc, 'config', name, options.onProgress);
      return undefined;
    }
    const bytes = await configBytes(options.store, source, desc, name, hasher, options.onProgress);
    if (bytes.stored) {
      storingConfig = bytes.stored;
      // Awaited with the layers; a failure before then must not be an unhandled rejection.
      storingConfig.catch(() => {});
    }
    try {
      return parseImageConfig(bytes.data, `config of ${name}`);
    } catch (error) {
      if (packaging === 'image') throw error;
      return undefined;
    }
  };
  const fetchLayers = (hold?: { promise: Promise<void>; signal: AbortSignal }) =>
    mapLimit(manifest.layers, options.concurrency ?? 3, (layer) =>
      fetchBlob(options.store, source, layer, 'layer', name, options.onProgress, hold),
    );
  const checkPlatform = (found: Platform | undefined): void => {
    if (packaging === 'image' && !(found && isWasmPlatform(found))) {
      throw new RuntimeError(
        'ERR_NOT_WASM',
        `${name}: an image for ${formatPlatform(found)}, not a wasm platform`,
      );
    }
    if (wanted && found && (found.os !== wanted.os || found.architecture !== wanted.architecture)) {
      throw new RuntimeError(
        'ERR_NO_MATCHING_PLATFORM',
        `${name}: the image is for ${formatPlatform(found)}, not ${formatPlatform(wanted)}`,
      );
    }
    options.onProgress?.({
      type: 'resolved',
      name,
      digest: manifestDigest,
      platform: found ? formatPlatform(found) : 'any',
      packaging,
    });
  };

  let config: ImageConfig | undefined;
  if (platform) {
    // The index named the platform: check it now and fetch the config along with the layers.
    checkPlatform(platform);
    [config] = await settled([fetchConfig(), fetchLayers()]);
    await storingConfig;
  } else {
    // A single manifest: only its config names the platform. The layers start along with it
    // (waiting for the config would cost a round trip) but are committed only once the platform
    // checks out; otherwise they are cancelled and their partial downloads removed.
    const speculation = new AbortController();
    let release!: () => void;
    const promise = new Promise<void>((resolve, reject) => {
      release = resolve;
      speculation.signal.addEventListener('abort', () => reject(speculation.signal.reason), { once: true });
    });
    promise.catch(() => {});
    const layers = fetchLayers({ promise, signal: speculation.signal });
    layers.catch(() => {});
    try {
      config = await fetchConfig();
      if (config?.os && config.architecture) {
        platform = {
          os: config.os,
          architecture: config.architecture,
          ...(config.variant ? { variant: config.variant } : {}),
        };
      }
      checkPlatform(platform);
    } catch (error) {
      speculation.abort(error);
      await layers.catch(() => {});
      throw error;
    }
    release();
    await settled([storingConfig, layers]);
  }

  // Docker v2 manifests are stored in their OCI form so skopeo and umoci can read the store.
  const stored = toOciManifest(manifest);
  if (stored !== manifest) manifestBytes = serialiseManifest(stored);
  const storedDigest = stored === manifest ? manifestDigest : digestOf(manifestBytes, hasher);
  await putBlob(options.store, { digest: storedDigest, size: manifestBytes.length }, manifestBytes);

  const created = config?.created ?? manifest.annotations?.[recordAnnotations.created];
  const record: ImageRecord = {
    name: options.recordName ?? name,
    digest: storedDigest,
    mediaType: stored.mediaType,
    size: manifestBytes.length,
    annotations: {
      ...(platform ? { [recordAnnotations.platform]: formatPlatform(platform) } : {}),
      [recordAnnotations.packaging]: packaging,
      [recordAnnotations.pulledAt]: (options.now?.() ?? new Date()).toISOString(),
      ...(topDigest !== storedDigest ? { [recordAnnotations.sourceDigest]: topDigest } : {}),
      ...(created ? { [recordAnnotations.created]: created } : {}),
    },
  };
  await options.store.putImage(record);
  return record;
}
