// A read-only FileApi over HTTP, so OCI image layouts served as static files (the repo's images/
// folders next to a page) can be pulled with `oci:PATH` references. Paths resolve against `base`.

import type { FileApi, FileSink } from '../../content/file-api.js';
import { RuntimeError } from '../../errors.js';

export interface HttpFileOptions {
  /** The page's fetch (or any fetch-compatible transport). */
  fetch: typeof fetch;
  /** What relative and absolute paths resolve against, e.g. `document.baseURI`. */
  base: string | URL;
}

export function httpLayoutFiles(options: HttpFileOptions): FileApi {
  const { fetch: get, base } = options;
  const url = (path: string): URL => new URL(path, base);

  const request = async (path: string, method: 'GET' | 'HEAD'): Promise<Response | undefined> => {
    let response: Response;
    try {
      response = await get(url(path), { method });
    } catch (error) {
      throw new RuntimeError('ERR_NETWORK', `${url(path)}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new RuntimeError('ERR_HOST_IO', `${url(path)}: HTTP ${response.status}`);
    }
    return response;
  };

  const readOnly = (path: string): never => {
    throw new RuntimeError('ERR_NOT_SUPPORTED', `${url(path)}: image layouts over HTTP are read-only`);
  };

  return {
    async read(path) {
      const response = await request(path, 'GET');
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
    },
    async *readChunks(path) {
      const response = await request(path, 'GET');
      if (!response) throw new RuntimeError('ERR_NOT_FOUND', `${url(path)}: no such file`);
      if (!response.body) {
        yield new Uint8Array(await response.arrayBuffer());
        return;
      }
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        // Stopping early (a consumer that found the blob too large) must not leave the download going.
        await reader.cancel().catch(() => {});
      }
    },
    async stat(path) {
      const response = await request(path, 'HEAD');
      if (!response) return undefined;
      const length = response.headers.get('content-length');
      const modified = response.headers.get('last-modified');
      // A server that sends no length on HEAD (chunked) still answers a GET: count it once.
      const size = length !== null ? Number(length) : ((await this.read(path))?.length ?? 0);
      return { size, mtimeMs: modified ? Date.parse(modified) || 0 : 0 };
    },
    createExclusive: async (path): Promise<boolean> => readOnly(path),
    create: async (path): Promise<FileSink> => readOnly(path),
    rename: async (from): Promise<void> => readOnly(from),
    remove: async (path): Promise<void> => readOnly(path),
    mkdirp: async (path): Promise<void> => readOnly(path),
    list: async (dir): Promise<string[]> => {
      throw new RuntimeError('ERR_NOT_SUPPORTED', `${url(dir)}: HTTP cannot list a directory`);
    },
  };
}
