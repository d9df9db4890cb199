// Media types of OCI and Docker manifests, configs and layers, and of the wasm packagings we accept.

export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  /** Raw wasm component layer (bytecodealliance wkg / wasm-pkg-tools). */
  wasmComponentLayer: 'application/vnd.bytecodealliance.wasm.component.layer.v0+wasm',
  /** CNCF TAG Runtime wasm artifact. */
  wasmConfigV0: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
  /** The older wasm-to-oci tool. */
  wasmConfigV1: 'application/vnd.wasm.config.v1+json',
  wasmContentLayerV1: 'application/vnd.wasm.content.layer.v1+wasm',
} as const;

/** Every manifest type a registry may answer with, for the `Accept` header. */
export const manifestAccept = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerList,
  MediaTypes.dockerManifest,
].join(', ');

export function isIndexType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

/** Layer compression a layer media type implies (`none` for plain tar and raw wasm). */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  return 'none';
}
