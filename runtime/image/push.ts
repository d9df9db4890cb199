// The push pipeline: a local image → its blobs uploaded (skipped when present, mounted from another
// repository of the registry when a local record says it came from there) → the manifest PUT by
// tag, its digest checked. Children go first, so the registry never holds a dangling manifest.

import type { Store } from '../content/store.js';
import type { Descriptor } from '../core/descriptor.js';
import type { Digest } from '../core/digest.js';
import { mapLimit } from '../core/pool.js';
import { RuntimeError } from '../errors.js';
import { formatReference, parseReference, type RegistryReference } from '../reference/reference.js';
import { clientFor, type RegistryAccess } from '../registry/client.js';
import { putManifest, uploadBlob } from '../registry/upload.js';
import { findImage } from './images.js';
import { parseManifest } from './manifest.js';

export type PushEvent =
  | {
      type: 'blob';
      digest: Digest;
      size: number;
      role: 'config' | 'layer';
      status: 'exists' | 'mounted' | 'uploading' | 'done';
      /** The repository a mounted blob came from. */
      from?: string;
    }
  | { type: 'bytes'; digest: Digest; bytes: number }
  | { type: 'manifest'; name: string; digest: Digest; size: number };

export interface PushOptions extends RegistryAccess {
  store: Store;
  /** Blobs uploaded at once (default 3). */
  concurrency?: number;
  /** Blobs up to this size go in one request (default 32 MiB); larger ones in chunks. */
  monolithicLimit?: number;
  chunkSize?: number;
  /** Extra repositories of the destination registry to try mounting blobs from. */
  mountFrom?: readonly string[];
  onProgress?: (event: PushEvent) => void;
}

export interface PushResult {
  name: string;
  digest: Digest;
  size: number;
}

/** Repositories of `domain` (other than `repository`) whose local images use each blob. */
async function mountSources(store: Store, target: RegistryReference): Promise<Map<Digest, string[]>> {
  const out = new Map<Digest, string[]>();
  for (const record of await store.listImages()) {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(record.name);
    } catch {
      continue;
    }
    if (ref.transport !== 'registry' || ref.domain !== target.domain || ref.repository === target.repository)
      continue;
    try {
      const manifest = parseManifest(await store.read(record.digest), record.mediaType, record.name);
      if (manifest.kind !== 'manifest') continue;
      for (const desc of [manifest.config, ...manifest.layers]) {
        const repos = out.get(desc.digest) ?? [];
        if (!repos.includes(ref.repository)) repos.push(ref.repository);
        out.set(desc.digest, repos);
      }
    } catch {
      // a damaged record offers no mount source
    }
  }
  return out;
}

/**
 * Pushes the local image `source` to `destination` (default: the registry its name points at).
 * Lifecycle: find the record → HEAD/mount/upload config and layers → PUT the manifest by tag.
 */
export async function pushImage(
  source: string,
  options: PushOptions,
  destination?: string,
): Promise<PushResult> {
  const record = await findImage(options.store, source);
  if (!record) throw new RuntimeError('ERR_NOT_FOUND', `image ${source} is not in the local store`);
  const parsed = parseReference(destination ?? record.name);
  const name = formatReference(parsed);
  if (parsed.transport !== 'registry') {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `${name} is not a registry reference: tag it first (wasmbox tag ${source} HOST/NAME:TAG)`,
    );
  }
  const ref: RegistryReference = parsed;
  const client = clientFor(options, 'pushing to a registry');

  const bytes = await options.store.read(record.digest);
  const manifest = parseManifest(bytes, record.mediaType, `manifest of ${record.name}`);
  if (manifest.kind !== 'manifest')
    throw new RuntimeError('ERR_BAD_MANIFEST', `${record.name}: the record names an index`);
  const blobs: [Descriptor, 'config' | 'layer'][] = [[manifest.config, 'config']];
  for (const layer of manifest.layers) {
    if (!blobs.some(([d]) => d.digest === layer.digest)) blobs.push([layer, 'layer']);
  }
  const sources = await mountSources(options.store, ref);
  const progress = options.onProgress;
  const upload = async ([desc, role]: [Descriptor, 'config' | 'layer']) => {
    const base = { type: 'blob', digest: desc.digest, size: desc.size, role } as const;
    if (!(await options.store.info(desc.digest))) {
      throw new RuntimeError(
        'ERR_NOT_FOUND',
        `${record.name}: blob ${desc.digest} is missing from the store`,
      );
    }
    let announced = false;
    const outcome = await uploadBlob(client, ref, desc, () => options.store.readChunks(desc.digest), {
      mountFrom: [...(options.mountFrom ?? []), ...(sources.get(desc.digest) ?? [])],
      ...(options.monolithicLimit !== undefined ? { monolithicLimit: options.monolithicLimit } : {}),
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      onBytes: (n) => {
        if (!announced) {
          announced = true;
          progress?.({ ...base, status: 'uploading' });
        }
        progress?.({ type: 'bytes', digest: desc.digest, bytes: n });
      },
    });
    if (outcome.status === 'exists') progress?.({ ...base, status: 'exists' });
    else if (outcome.status === 'mounted') progress?.({ ...base, status: 'mounted', from: outcome.from });
    else progress?.({ ...base, status: 'done' });
  };
  await mapLimit(blobs, options.concurrency ?? 3, upload);

  const tag = ref.tag ?? ref.digest ?? 'latest';
  if (ref.digest && ref.digest !== record.digest) {
    throw new RuntimeError('ERR_DIGEST_MISMATCH', `${name}: the local image has digest ${record.digest}`);
  }
  const returned = await putManifest(client, ref, tag, record.mediaType, bytes);
  if (returned && returned !== record.digest) {
    throw new RuntimeError(
      'ERR_DIGEST_MISMATCH',
      `${name}: the registry stored the manifest as ${returned}, expected ${record.digest}`,
    );
  }
  progress?.({ type: 'manifest', name, digest: record.digest, size: bytes.length });
  return { name, digest: record.digest, size: bytes.length };
}
