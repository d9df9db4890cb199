// The pull pipeline: reference → source → manifest (platform choice for an index) → config and
// layers streamed into the content store, verified → manifest → image record (name → manifest).
// Children are committed before their parent, so a visible manifest implies its blobs are there.

import type { FileApi } from '../content/file-api.js';
import {
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
import { RegistryClient } from '../registry/client.js';
import type { CredentialSource } from '../registry/credentials.js';
import type { RetryPolicy } from '../registry/retry.js';
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

export interface PullOptions {
  store: Store;
  /** HTTP transport for registry references (undici's fetch on Node). */
  fetch?: typeof fetch;
  /** A ready client instead of `fetch` (shares its token cache across pulls). */
  client?: RegistryClient;
  credentials?: CredentialSource;
  insecureRegistries?: readonly string[];
  retry?: Partial<RetryPolicy>;
  /** Backoff waits (injected by tests). */
  sleep?: (ms: number) => Promise<void>;
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
    const client =
      options.client ??
      (options.fetch
        ? new RegistryClient({
            fetch: options.fetch,
            ...(options.credentials ? { credentials: options.credentials } : {}),
            ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
            ...(options.retry ? { retry: options.retry } : {}),
            ...(options.sleep ? { sleep: options.sleep } : {}),
          })
        : undefined);
    if (!client)
      throw new RuntimeError('ERR_INVALID_ARGUMENT', 'pulling from a registry needs a fetch function');
    return registrySource(client, ref);
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

async function fetchBlob(
  store: ContentStore,
  source: ImageSource,
  desc: Descriptor,
  role: 'config' | 'layer',
  name: string,
  onProgress?: (event: PullEvent) => void,
): Promise<void> {
  const base = { digest: desc.digest, size: desc.size, role } as const;
  const have = await store.info(desc.digest);
  if (have && have.size === desc.size) {
    onProgress?.({ ...base, type: 'blob', status: 'exists' });
    return;
  }
  onProgress?.({ ...base, type: 'blob', status: 'downloading' });
  const writer = await store.writer({ digest: desc.digest, size: desc.size });
  try {
    await source.blob(
      desc,
      writer,
      onProgress ? (bytes) => onProgress({ type: 'bytes', digest: desc.digest, bytes }) : undefined,
    );
    await writer.commit();
  } catch (error) {
    await writer.abort().catch(() => {});
    if (error instanceof RuntimeError && !error.message.includes(name)) {
      throw new RuntimeError(error.code, `${name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  onProgress?.({ ...base, type: 'blob', status: 'done' });
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

  // The config first: for a single-manifest image it says the platform, checked before layers.
  await fetchBlob(options.store, source, manifest.config, 'config', name, options.onProgress);
  let config: ImageConfig | undefined;
  if (manifest.config.mediaType.endsWith('json') && manifest.config.size <= 1 << 20) {
    try {
      config = parseImageConfig(await options.store.read(manifest.config.digest), `config of ${name}`);
    } catch (error) {
      if (packaging === 'image') throw error;
    }
  }
  if (!platform && config?.os && config.architecture) {
    platform = {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
  }
  if (packaging === 'image' && !(platform && isWasmPlatform(platform))) {
    throw new RuntimeError(
      'ERR_NOT_WASM',
      `${name}: an image for ${formatPlatform(platform)}, not a wasm platform`,
    );
  }
  if (wanted && platform && (platform.os !== wanted.os || platform.architecture !== wanted.architecture)) {
    throw new RuntimeError(
      'ERR_NO_MATCHING_PLATFORM',
      `${name}: the image is for ${formatPlatform(platform)}, not ${formatPlatform(wanted)}`,
    );
  }
  options.onProgress?.({
    type: 'resolved',
    name,
    digest: manifestDigest,
    platform: platform ? formatPlatform(platform) : 'any',
    packaging,
  });

  await mapLimit(manifest.layers, options.concurrency ?? 3, (layer) =>
    fetchBlob(options.store, source, layer, 'layer', name, options.onProgress),
  );

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
