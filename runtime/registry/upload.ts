// Uploads to a registry (OCI distribution push): HEAD to skip blobs already there, cross-repository
// mount, monolithic (POST + PUT) or chunked (POST + PATCH… + PUT) blob uploads, and manifest PUT.
// Every request carries the push scope; auth, retries and redirects are the client's.

import type { Descriptor } from '../core/descriptor.js';
import { type Digest, parseDigest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import type { RegistryReference } from '../reference/reference.js';
import type { RegistryClient } from './client.js';
import { distributionError } from './distribution-errors.js';

const push = 'pull,push';

export interface BlobUploadOptions {
  /** Blobs up to this size go in one PUT (default 32 MiB); larger ones in chunks. */
  monolithicLimit?: number;
  /** Size of each PATCH of a chunked upload (default 8 MiB). */
  chunkSize?: number;
  /** Repositories of the same registry that may hold the blob: tried as mount sources first. */
  mountFrom?: readonly string[];
  onBytes?: (n: number) => void;
}

export type UploadOutcome =
  | { status: 'exists' }
  | { status: 'mounted'; from: string }
  | { status: 'uploaded' };

function subjectOf(ref: RegistryReference, digest: string): string {
  return `blob ${digest} of ${ref.domain}/${ref.repository}`;
}

async function safeText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

/** HEAD /v2/NAME/blobs/DIGEST: whether the repository already has the blob. */
export async function blobExists(
  client: RegistryClient,
  ref: RegistryReference,
  digest: Digest,
): Promise<boolean> {
  const subject = subjectOf(ref, digest);
  const response = await client.send(
    ref,
    `/v2/${ref.repository}/blobs/${digest}`,
    { method: 'HEAD', actions: push },
    subject,
  );
  await response.body?.cancel();
  if (response.ok) return true;
  if (response.status === 404) return false;
  throw distributionError(response.status, '', subject);
}

function location(response: Response, subject: string): string {
  const value = response.headers.get('location');
  if (!value) throw new RuntimeError('ERR_REGISTRY', `${subject}: the registry gave no upload location`);
  // Relative locations are resolved against the request; without its URL the client treats
  // them as paths below the registry's base.
  return response.url ? new URL(value, response.url).href : value;
}

/** An upload URL with `digest=` added to its query (it may already carry the registry's state). */
function withDigest(url: string, digest: Digest): string {
  const absolute = /^https?:\/\//.test(url);
  const parsed = new URL(url, 'http://relative.invalid');
  parsed.searchParams.set('digest', digest);
  return absolute ? parsed.href : `${parsed.pathname}${parsed.search}`;
}

/** POST …/blobs/uploads/ (with `mount` and `from` for a cross-repository mount). */
async function startUpload(
  client: RegistryClient,
  ref: RegistryReference,
  digest: Digest,
  mountFrom: string | undefined,
): Promise<{ mounted: true } | { mounted: false; url: string }> {
  const subject = subjectOf(ref, digest);
  const query = mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : '';
  const response = await client.send(
    ref,
    `/v2/${ref.repository}/blobs/uploads/${query}`,
    { method: 'POST', actions: push, ...(mountFrom ? { alsoPull: [mountFrom] } : {}) },
    subject,
  );
  if (response.status === 201 && mountFrom) {
    await response.body?.cancel();
    return { mounted: true };
  }
  if (response.status !== 202) throw distributionError(response.status, await safeText(response), subject);
  await response.body?.cancel();
  return { mounted: false, url: location(response, subject) };
}

async function* fixedChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(size - filled, chunk.length - at);
      buffer.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        yield buffer;
        buffer = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Puts one blob into the repository unless it is there: HEAD, then a mount from each of
 * `mountFrom` (a registry answers 202 with an upload session when it cannot mount), then the
 * upload, monolithic or chunked by size. `open` gives the blob's bytes.
 */
export async function uploadBlob(
  client: RegistryClient,
  ref: RegistryReference,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  open: () => AsyncIterable<Uint8Array>,
  options: BlobUploadOptions = {},
): Promise<UploadOutcome> {
  const subject = subjectOf(ref, desc.digest);
  if (await blobExists(client, ref, desc.digest)) return { status: 'exists' };
  let url: string | undefined;
  for (const from of options.mountFrom ?? []) {
    if (from === ref.repository) continue;
    const started = await startUpload(client, ref, desc.digest, from);
    if (started.mounted) return { status: 'mounted', from };
    url = started.url;
    break;
  }
  url ??= ((await startUpload(client, ref, desc.digest, undefined)) as { url: string }).url;
  const monolithicLimit = options.monolithicLimit ?? 32 << 20;
  let response: Response;
  if (desc.size <= monolithicLimit) {
    const body = await collect(open());
    response = await client.send(
      ref,
      withDigest(url, desc.digest),
      { method: 'PUT', actions: push, body, headers: { 'content-type': 'application/octet-stream' } },
      subject,
    );
    options.onBytes?.(body.length);
  } else {
    let offset = 0;
    for await (const chunk of fixedChunks(open(), options.chunkSize ?? 8 << 20)) {
      const patch = await client.send(
        ref,
        url,
        {
          method: 'PATCH',
          actions: push,
          body: chunk,
          retry: false,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
          },
        },
        subject,
      );
      if (patch.status !== 202) throw distributionError(patch.status, await safeText(patch), subject);
      await patch.body?.cancel();
      url = location(patch, subject);
      offset += chunk.length;
      options.onBytes?.(chunk.length);
    }
    response = await client.send(
      ref,
      withDigest(url, desc.digest),
      { method: 'PUT', actions: push },
      subject,
    );
  }
  if (response.status !== 201) throw distributionError(response.status, await safeText(response), subject);
  await response.body?.cancel();
  return { status: 'uploaded' };
}

/** PUT /v2/NAME/manifests/TAG; returns the digest the registry computed (checked by the caller). */
export async function putManifest(
  client: RegistryClient,
  ref: RegistryReference,
  tagOrDigest: string,
  mediaType: string,
  bytes: Uint8Array,
): Promise<Digest | undefined> {
  const subject = `manifest of ${ref.domain}/${ref.repository}${tagOrDigest.startsWith('sha256:') ? '@' : ':'}${tagOrDigest}`;
  const response = await client.send(
    ref,
    `/v2/${ref.repository}/manifests/${tagOrDigest}`,
    { method: 'PUT', actions: push, body: bytes, headers: { 'content-type': mediaType } },
    subject,
  );
  if (response.status !== 201) throw distributionError(response.status, await safeText(response), subject);
  await response.body?.cancel();
  const digest = response.headers.get('docker-content-digest');
  return digest ? parseDigest(digest, `${subject}: Docker-Content-Digest`) : undefined;
}
