// OCI content descriptors and platforms, validated once when a manifest is parsed.

import { RuntimeError } from '../errors.js';
import { type Digest, parseDigest } from './digest.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export function formatPlatform(platform: Platform | undefined): string {
  if (!platform) return '(no platform)';
  return `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one descriptor of a manifest; `where` names it in the error (e.g. "layer 2 of IMAGE"). */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  const bad = (why: string) => new RuntimeError('ERR_BAD_MANIFEST', `${where}: ${why}`);
  if (!isRecord(value)) throw bad('descriptor is not an object');
  const { mediaType, digest, size, annotations, platform, urls, artifactType } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw bad('descriptor has no mediaType');
  if (typeof digest !== 'string') throw bad('descriptor has no digest');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(`descriptor ${digest} has an invalid size`);
  }
  const out: Descriptor = { mediaType, digest: parseDigest(digest, `${where} digest`), size };
  if (isRecord(annotations)) {
    out.annotations = Object.fromEntries(
      Object.entries(annotations).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  if (isRecord(platform)) {
    if (typeof platform.os !== 'string' || typeof platform.architecture !== 'string') {
      throw bad(`descriptor ${digest} has a platform without os/architecture`);
    }
    out.platform = { os: platform.os, architecture: platform.architecture };
    if (typeof platform.variant === 'string') out.platform.variant = platform.variant;
    if (typeof platform['os.version'] === 'string') out.platform['os.version'] = platform['os.version'];
  }
  if (Array.isArray(urls)) out.urls = urls.filter((u): u is string => typeof u === 'string');
  if (typeof artifactType === 'string') out.artifactType = artifactType;
  return out;
}
