// Manifest parsing, platform choice and packaging detection, on small hand-written documents.

import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../../runtime/core/descriptor.js';
import { type Digest, digestOf } from '../../runtime/core/digest.js';
import { MediaTypes } from '../../runtime/core/media-types.js';
import { parseManifest, serialiseManifest, toOciManifest } from '../../runtime/image/manifest.js';
import { classifyPackaging } from '../../runtime/image/packaging.js';
import { choosePlatform, parsePlatform } from '../../runtime/image/platform.js';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const d = (n: number) => `sha256:${String(n).padStart(64, '0')}` as Digest;
const desc = (mediaType: string, n: number, extra: Partial<Descriptor> = {}) => ({
  mediaType,
  digest: d(n),
  size: 10,
  ...extra,
});

describe('parseManifest', () => {
  it('takes the type from Content-Type when the body has none', () => {
    const body = enc({
      schemaVersion: 2,
      config: desc(MediaTypes.dockerConfig, 1),
      layers: [desc(MediaTypes.dockerLayerGzip, 2)],
    });
    expect(parseManifest(body, MediaTypes.dockerManifest, 'm').mediaType).toBe(MediaTypes.dockerManifest);
    expect(parseManifest(body, 'text/plain', 'm').mediaType).toBe(MediaTypes.ociManifest);
    const index = enc({ schemaVersion: 2, manifests: [desc(MediaTypes.ociManifest, 3)] });
    expect(parseManifest(index, '', 'i').kind).toBe('index');
    expect(parseManifest(index, MediaTypes.dockerList, 'i').mediaType).toBe(MediaTypes.dockerList);
  });

  it('rejects broken documents with errors naming them', () => {
    expect(() => parseManifest(new TextEncoder().encode('nope'), '', 'manifest of x')).toThrow(
      'manifest of x: not valid JSON',
    );
    expect(() => parseManifest(enc({ schemaVersion: 1 }), '', 'x')).toThrow(/schema 1/);
    expect(() =>
      parseManifest(
        enc({
          schemaVersion: 2,
          config: desc('a', 1),
          layers: [{ mediaType: 'b', digest: 'sha256:zz', size: 1 }],
        }),
        '',
        'x',
      ),
    ).toThrow(/layer 0 digest/);
    expect(() =>
      parseManifest(
        enc({ schemaVersion: 2, config: desc('a', 1), layers: [desc('b', 2, { size: -1 })] }),
        '',
        'x',
      ),
    ).toThrow(/invalid size/);
  });

  it('converts Docker v2 to OCI types with the same blobs', () => {
    const m = parseManifest(
      enc({
        schemaVersion: 2,
        mediaType: MediaTypes.dockerManifest,
        config: desc(MediaTypes.dockerConfig, 1),
        layers: [desc(MediaTypes.dockerLayerGzip, 2)],
      }),
      '',
      'x',
    );
    if (m.kind !== 'manifest') throw new Error('expected a manifest');
    const oci = toOciManifest(m);
    expect(oci.config).toEqual(desc(MediaTypes.ociConfig, 1));
    expect(oci.layers).toEqual([desc(MediaTypes.ociLayerGzip, 2)]);
    const again = parseManifest(serialiseManifest(oci), '', 'x');
    expect(again).toEqual({ ...oci });
    expect(digestOf(serialiseManifest(oci))).toMatch(/^sha256:/);
  });
});

describe('choosePlatform', () => {
  const entries = [
    desc(MediaTypes.ociManifest, 1, { platform: { os: 'unknown', architecture: 'unknown' } }),
    desc(MediaTypes.ociManifest, 2, { platform: { os: 'linux', architecture: 'amd64' } }),
    desc(MediaTypes.ociManifest, 3, { platform: { os: 'wasip2', architecture: 'wasm' } }),
    desc(MediaTypes.ociManifest, 4, { platform: { os: 'wasi', architecture: 'wasm' } }),
  ];
  it('prefers preview1 platforms and honours --platform', () => {
    expect(choosePlatform(entries, 'x').digest).toBe(d(4));
    expect(choosePlatform(entries.slice(0, 3), 'x').digest).toBe(d(3));
    expect(choosePlatform(entries, 'x', parsePlatform('linux/amd64')).digest).toBe(d(2));
  });
  it('lists what the index offers, without attestations', () => {
    expect(() => choosePlatform(entries.slice(0, 2), 'img')).toThrow(
      /img: no manifest for a wasm platform .*; the index offers linux\/amd64$/,
    );
    expect(() => choosePlatform(entries, 'img', parsePlatform('unknown/unknown'))).toThrow(
      /offers linux\/amd64, wasip2\/wasm, wasi\/wasm/,
    );
    expect(() => parsePlatform('wasm')).toThrow(/invalid platform/);
  });
});

describe('classifyPackaging', () => {
  const m = (config: string, layers: string[]) => ({
    kind: 'manifest' as const,
    mediaType: MediaTypes.ociManifest,
    config: desc(config, 1),
    layers: layers.map((t, i) => desc(t, i + 2)),
  });
  it('recognises the four wasm packagings', () => {
    expect(
      classifyPackaging(m(MediaTypes.ociConfig, [MediaTypes.ociLayerZstd, MediaTypes.ociLayer]), 'x'),
    ).toBe('image');
    expect(classifyPackaging(m(MediaTypes.ociEmpty, [MediaTypes.wasmComponentLayer]), 'x')).toBe(
      'component-layer',
    );
    expect(classifyPackaging(m(MediaTypes.wasmConfigV0, [MediaTypes.wasmLayer]), 'x')).toBe('wasm-artifact');
    expect(classifyPackaging(m(MediaTypes.wasmConfigV1, [MediaTypes.wasmContentLayerV1]), 'x')).toBe(
      'wasm-to-oci',
    );
  });
  it('refuses what it cannot run', () => {
    expect(() => classifyPackaging(m('application/vnd.cncf.helm.config.v1+json', ['x']), 'chart')).toThrow(
      /chart: not a wasm image/,
    );
    expect(() => classifyPackaging(m(MediaTypes.ociConfig, ['application/x-foo']), 'x')).toThrow(
      /layer type application\/x-foo/,
    );
    expect(() => classifyPackaging(m(MediaTypes.wasmConfigV0, []), 'x')).toThrow(
      /needs application\/wasm layers/,
    );
  });
});
