// Parses manifests and indexes (OCI and Docker v2) into typed values; the media type comes from
// the body or, for tools that omit it there, from the response's Content-Type.

import { type Descriptor, parseDescriptor } from '../core/descriptor.js';
import { isIndexType, isManifestType, MediaTypes } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  artifactType?: string;
  annotations?: Record<string, string>;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** `subject` names the manifest in errors, e.g. `manifest of docker.io/library/hello:latest`. */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string,
  subject: string,
): ImageIndex | ImageManifest {
  let body: Record<string, unknown>;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    body = value as Record<string, unknown>;
  } catch {
    throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: not valid JSON`);
  }
  if (body.schemaVersion === 1) {
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${subject}: Docker schema 1 manifests are not supported`);
  }
  if (body.schemaVersion !== 2)
    throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: schemaVersion is not 2`);
  const declared = typeof body.mediaType === 'string' ? body.mediaType : '';
  const headerType = isIndexType(contentType) || isManifestType(contentType) ? contentType : '';
  let mediaType = declared || headerType;
  if (!mediaType) {
    // Neither body nor header says: the shape does (OCI makes mediaType optional).
    mediaType = Array.isArray(body.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
  }
  if (isIndexType(mediaType)) {
    if (!Array.isArray(body.manifests))
      throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: index has no manifests`);
    const manifests = body.manifests.map((d, i) => parseDescriptor(d, `${subject}, entry ${i}`));
    const annotations = stringRecord(body.annotations);
    return { kind: 'index', mediaType, manifests, ...(annotations ? { annotations } : {}) };
  }
  if (!isManifestType(mediaType)) {
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${subject}: unsupported manifest type ${mediaType}`);
  }
  if (!Array.isArray(body.layers))
    throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: manifest has no layers`);
  const config = parseDescriptor(body.config, `${subject}, config`);
  const layers = body.layers.map((d, i) => parseDescriptor(d, `${subject}, layer ${i}`));
  const annotations = stringRecord(body.annotations);
  return {
    kind: 'manifest',
    mediaType,
    config,
    layers,
    ...(typeof body.artifactType === 'string' ? { artifactType: body.artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

/** The OCI form of a Docker v2 manifest: same config and layer bytes, OCI media types. */
export function toOciManifest(manifest: ImageManifest): ImageManifest {
  if (manifest.mediaType !== MediaTypes.dockerManifest) return manifest;
  const layerType = (t: string) =>
    t === MediaTypes.dockerLayerGzip || t === MediaTypes.dockerForeignLayerGzip ? MediaTypes.ociLayerGzip : t;
  return {
    ...manifest,
    mediaType: MediaTypes.ociManifest,
    config: {
      ...manifest.config,
      mediaType:
        manifest.config.mediaType === MediaTypes.dockerConfig
          ? MediaTypes.ociConfig
          : manifest.config.mediaType,
    },
    layers: manifest.layers.map((l) => ({ ...l, mediaType: layerType(l.mediaType) })),
  };
}

/** Canonical JSON bytes of a manifest we write ourselves (converted from Docker v2). */
export function serialiseManifest(manifest: ImageManifest): Uint8Array {
  const { kind: _, ...rest } = manifest;
  return new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, ...rest }));
}
