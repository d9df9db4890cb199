// Recognises the four ways wasm is packaged in OCI (see ARCHITECTURE.md, "Images") and finds the
// module or component in each.

import type { Descriptor } from '../core/descriptor.js';
import { MediaTypes } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';
import type { ImageManifest } from './manifest.js';

/**
 * - `image`: an ordinary image, the `.wasm` inside tar layers (run via the config's Entrypoint);
 * - `component-layer`: raw wasm component layers (bytecodealliance wkg);
 * - `wasm-artifact`: the CNCF wasm artifact (config `application/vnd.wasm.config.v0+json`);
 * - `wasm-to-oci`: the older wasm-to-oci types.
 */
export type Packaging = 'image' | 'component-layer' | 'wasm-artifact' | 'wasm-to-oci';

const tarLayer =
  /^application\/vnd\.(oci\.image\.layer\.v1\.tar(\+gzip|\+zstd)?|docker\.image\.rootfs\.(foreign\.)?diff\.tar\.gzip)$/;
const imageConfigs: ReadonlySet<string> = new Set([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

export function classifyPackaging(manifest: ImageManifest, subject: string): Packaging {
  const configType = manifest.config.mediaType;
  const layerTypes = manifest.layers.map((l) => l.mediaType);
  if (configType === MediaTypes.wasmConfigV0) {
    if (
      layerTypes.length === 0 ||
      !layerTypes.every((t) => t === MediaTypes.wasmLayer || t === MediaTypes.wasmComponentLayer)
    ) {
      throw new RuntimeError(
        'ERR_BAD_MANIFEST',
        `${subject}: a wasm artifact needs application/wasm layers, has ${layerTypes.join(', ') || 'none'}`,
      );
    }
    return 'wasm-artifact';
  }
  if (configType === MediaTypes.wasmConfigV1) {
    if (layerTypes.length !== 1 || layerTypes[0] !== MediaTypes.wasmContentLayerV1) {
      throw new RuntimeError(
        'ERR_BAD_MANIFEST',
        `${subject}: a wasm-to-oci image needs one ${MediaTypes.wasmContentLayerV1} layer`,
      );
    }
    return 'wasm-to-oci';
  }
  if (layerTypes.includes(MediaTypes.wasmComponentLayer)) return 'component-layer';
  if (imageConfigs.has(configType)) {
    const odd = layerTypes.find((t) => !tarLayer.test(t));
    if (odd) throw new RuntimeError('ERR_NOT_SUPPORTED', `${subject}: layer type ${odd} is not supported`);
    return 'image';
  }
  throw new RuntimeError('ERR_NOT_WASM', `${subject}: not a wasm image (config type ${configType})`);
}

/** The layer holding the module for packagings that carry it raw; undefined for tar images. */
export function wasmLayer(manifest: ImageManifest, packaging: Packaging): Descriptor | undefined {
  if (packaging === 'image') return undefined;
  return manifest.layers.find(
    (l) =>
      l.mediaType === MediaTypes.wasmLayer ||
      l.mediaType === MediaTypes.wasmComponentLayer ||
      l.mediaType === MediaTypes.wasmContentLayerV1,
  );
}
