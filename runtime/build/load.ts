// `wasmbox load`: every image of an OCI archive into the store, each verified like a pull (the
// archive is served as an `oci:` layout); names come from the archive's index.json.

import type { FileApi } from '../content/file-api.js';
import type { ImageRecord, Store } from '../content/store.js';
import type { HasherFactory } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import { readOciArchive } from '../image/archive.js';
import { pullImage } from '../image/pull.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { imageNameAnnotation } from './export.js';

const refNameAnnotation = 'org.opencontainers.image.ref.name';
/** Where the archive's layout appears inside the in-memory view. */
const root = '/archive';

interface IndexEntry {
  mediaType?: string;
  digest?: string;
  size?: number;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface LoadOptions {
  store: Store;
  /** Reads the archive file. */
  files: FileApi;
  createHasher?: HasherFactory;
  onWarning?: (message: string) => void;
}

/**
 * The name an entry is recorded under: containerd's full-name annotation (docker save), else a
 * ref.name that is a full reference, else `oci-archive:FILE:REFNAME` (what a pull of it records).
 */
function entryName(entry: IndexEntry, file: string): string | undefined {
  const full = entry.annotations?.[imageNameAnnotation];
  const short = entry.annotations?.[refNameAnnotation];
  for (const candidate of [full, short?.includes('/') ? short : undefined]) {
    if (!candidate) continue;
    try {
      const ref = parseReference(candidate);
      if (ref.transport === 'registry') return formatReference(ref);
    } catch {
      // not a reference: try the next
    }
  }
  return short ? `oci-archive:${file}:${short}` : undefined;
}

/** Loads every named image of the archive at `file`; returns the records written. */
export async function loadArchive(file: string, options: LoadOptions): Promise<ImageRecord[]> {
  if (!(await options.files.stat(file))) throw new RuntimeError('ERR_NOT_FOUND', `${file}: no such file`);
  const layout = await readOciArchive(options.files.readChunks(file), root, file);
  let entries: IndexEntry[];
  try {
    const index = JSON.parse(new TextDecoder().decode(await layout.read(`${root}/index.json`))) as {
      manifests?: IndexEntry[];
    };
    entries = Array.isArray(index.manifests) ? index.manifests : [];
  } catch {
    throw new RuntimeError('ERR_BAD_MANIFEST', `${file}: index.json is not valid JSON`);
  }
  const records: ImageRecord[] = [];
  for (const [i, entry] of entries.entries()) {
    const name = entryName(entry, file);
    if (!name) {
      options.onWarning?.(`${file}: image ${i + 1} (${entry.digest ?? 'no digest'}) has no name: skipped`);
      continue;
    }
    // A view whose index.json lists this entry alone: the layout source then picks it by name.
    const single = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...entry, annotations: { [refNameAnnotation]: 'entry' } }],
      }),
    );
    const view: FileApi = {
      ...layout,
      read: async (path) => (path === `${root}/index.json` ? single : layout.read(path)),
    };
    try {
      records.push(
        await pullImage(`oci:${root}:entry`, {
          store: options.store,
          files: view,
          recordName: name,
          ...(options.createHasher ? { createHasher: options.createHasher } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof RuntimeError) {
        throw new RuntimeError(
          error.code,
          `${file}: ${name}: ${error.message.replaceAll(`oci:${root}:entry`, 'image')}`,
        );
      }
      throw error;
    }
  }
  if (records.length === 0) throw new RuntimeError('ERR_NOT_FOUND', `${file}: no named image in the archive`);
  return records;
}
