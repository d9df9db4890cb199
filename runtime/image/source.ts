// Where a pull reads from: a registry (through the registry client) or a local OCI image layout
// directory (`oci:DIR[:TAG]`). Both hand out manifests and stream blobs the same way.

import type { FileApi } from '../content/file-api.js';
import type { Descriptor } from '../core/descriptor.js';
import { digestHex } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import type { LayoutReference, RegistryReference } from '../reference/reference.js';
import type { BlobSink, FetchedManifest, RegistryClient } from '../registry/client.js';

export interface ImageSource {
  /** The top-level manifest or index the reference names. */
  resolve(): Promise<FetchedManifest>;
  /** A manifest named by an index entry. */
  manifest(desc: Descriptor): Promise<FetchedManifest>;
  blob(desc: Descriptor, sink: BlobSink, onBytes?: (n: number) => void): Promise<void>;
}

export function registrySource(client: RegistryClient, ref: RegistryReference): ImageSource {
  return {
    resolve: () => client.getManifest(ref, ref.digest ?? ref.tag ?? 'latest'),
    manifest: (desc) => client.getManifest(ref, desc.digest),
    blob: (desc, sink, onBytes) => client.fetchBlob(ref, desc, sink, onBytes),
  };
}

interface LayoutIndex {
  manifests?: { mediaType?: string; digest?: string; annotations?: Record<string, string> }[];
}

/** An OCI image layout directory read through the FileApi (as `skopeo copy oci:DIR:TAG` does). */
export function layoutSource(files: FileApi, ref: LayoutReference): ImageSource {
  const where = `oci:${ref.path}`;
  const blobPath = (desc: Descriptor) => `${ref.path}/blobs/sha256/${digestHex(desc.digest)}`;
  const readBlob = async (desc: Descriptor, mediaType: string): Promise<FetchedManifest> => {
    const bytes = await files.read(blobPath(desc));
    if (!bytes) throw new RuntimeError('ERR_NOT_FOUND', `${where}: blob ${desc.digest} is missing`);
    return { bytes, contentType: mediaType };
  };
  return {
    async resolve() {
      const text = await files.read(`${ref.path}/index.json`);
      if (!text) throw new RuntimeError('ERR_NOT_FOUND', `${where}: not an OCI image layout (no index.json)`);
      let index: LayoutIndex;
      try {
        index = JSON.parse(new TextDecoder().decode(text)) as LayoutIndex;
      } catch {
        throw new RuntimeError('ERR_BAD_MANIFEST', `${where}/index.json: not valid JSON`);
      }
      const entries = index.manifests ?? [];
      const named = ref.tag
        ? entries.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref.tag)
        : entries;
      if (named.length !== 1) {
        const why = ref.tag
          ? `has no image named "${ref.tag}"`
          : `holds ${entries.length} images: name one (oci:DIR:NAME)`;
        throw new RuntimeError(
          named.length === 0 ? 'ERR_NOT_FOUND' : 'ERR_INVALID_ARGUMENT',
          `${where} ${why}`,
        );
      }
      const entry = named[0]!;
      const digest = entry.digest ?? '';
      const bytes = await files.read(`${ref.path}/blobs/sha256/${digest.replace(/^sha256:/, '')}`);
      if (!bytes) throw new RuntimeError('ERR_NOT_FOUND', `${where}: manifest ${digest} is missing`);
      return { bytes, contentType: entry.mediaType ?? '' };
    },
    manifest: (desc) => readBlob(desc, desc.mediaType),
    async blob(desc, sink, onBytes) {
      if (sink.offset > 0) await sink.reset();
      if (!(await files.stat(blobPath(desc))))
        throw new RuntimeError('ERR_NOT_FOUND', `${where}: blob ${desc.digest} is missing`);
      for await (const chunk of files.readChunks(blobPath(desc))) {
        if (sink.offset + chunk.length > desc.size) {
          throw new RuntimeError(
            'ERR_DIGEST_MISMATCH',
            `${where}: blob ${desc.digest} is larger than ${desc.size} bytes`,
          );
        }
        await sink.write(chunk);
        onBytes?.(chunk.length);
      }
    },
  };
}
