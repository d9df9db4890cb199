// Chooses which manifest of an index to pull: the wasm platforms in our order of preference, or
// the one `--platform` forces; attestation entries (`unknown/unknown`) are never candidates.

import { type Descriptor, formatPlatform, type Platform } from '../core/descriptor.js';
import { RuntimeError } from '../errors.js';

/**
 * Preference order when nothing is forced: preview1 modules first (what the engine runs today),
 * then `wasi/wasm32`, then preview2 components.
 */
export const wasmPlatforms: readonly Platform[] = [
  { os: 'wasip1', architecture: 'wasm' },
  { os: 'wasi', architecture: 'wasm' },
  { os: 'wasi', architecture: 'wasm32' },
  { os: 'wasip2', architecture: 'wasm' },
];

/** Parses `os/arch[/variant]`. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[\w.-]+$/.test(p))) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid platform "${text}" (expected os/arch[/variant])`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function isWasmPlatform(platform: { os?: string; architecture?: string }): boolean {
  return wasmPlatforms.some((p) => p.os === platform.os && p.architecture === platform.architecture);
}

function matches(entry: Platform, wanted: Platform): boolean {
  return (
    entry.os === wanted.os &&
    entry.architecture === wanted.architecture &&
    (wanted.variant === undefined || entry.variant === wanted.variant)
  );
}

/** Picks one entry of an index; the error lists what the index offers. */
export function choosePlatform(
  manifests: readonly Descriptor[],
  subject: string,
  wanted?: Platform,
): Descriptor {
  const candidates = manifests.filter(
    (d) => !(d.platform?.os === 'unknown' && d.platform.architecture === 'unknown'),
  );
  const order = wanted ? [wanted] : wasmPlatforms;
  for (const want of order) {
    const found = candidates.find((d) => d.platform && matches(d.platform, want));
    if (found) return found;
  }
  const offered = [...new Set(candidates.map((d) => formatPlatform(d.platform)))].join(', ') || 'nothing';
  const asked = wanted
    ? formatPlatform(wanted)
    : `a wasm platform (${wasmPlatforms.map(formatPlatform).join(', ')})`;
  throw new RuntimeError(
    'ERR_NO_MATCHING_PLATFORM',
    `${subject}: no manifest for ${asked}; the index offers ${offered}`,
  );
}
