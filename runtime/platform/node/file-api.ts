// The content store's FileApi over node:fs, for the OCI layout store on disk.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { FileApi } from '../../content/file-api.js';
import { RuntimeError } from '../../errors.js';

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function hostIo(error: unknown, path: string): RuntimeError {
  return new RuntimeError('ERR_HOST_IO', `${path}: ${(error as Error).message}`, { cause: error });
}

async function guard<T>(path: string, body: () => Promise<T>, missing?: () => T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (missing && isCode(error, 'ENOENT')) return missing();
    throw hostIo(error, path);
  }
}

const writeBatchBytes = 1 << 20;

/** Sinks keep a reference to written chunks until the next flush: callers must not reuse them. */
export const nodeFileApi: FileApi = {
  read: (path) =>
    guard(
      path,
      async () => new Uint8Array(await readFile(path)),
      () => undefined,
    ),
  async *readChunks(path) {
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    } catch (error) {
      throw hostIo(error, path);
    }
  },
  stat: (path) =>
    guard(
      path,
      async () => {
        const s = await stat(path);
        return { size: s.size, mtimeMs: s.mtimeMs };
      },
      () => undefined,
    ),
  createExclusive: (path, data) =>
    guard(path, async () => {
      try {
        await writeFile(path, data, { flag: 'wx' });
        return true;
      } catch (error) {
        if (isCode(error, 'EEXIST')) return false;
        throw error;
      }
    }),
  async create(path) {
    const handle = await guard(path, () => open(path, 'w'));
    // Network chunks are small (16–64 KiB): gather them so each write syscall moves ~1 MiB.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await handle.write(data);
    };
    return {
      write: (chunk) =>
        guard(path, async () => {
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= writeBatchBytes) await flush();
        }),
      close: () =>
        guard(path, async () => {
          try {
            await flush();
          } finally {
            await handle.close();
          }
        }),
    };
  },
  rename: (from, to) => guard(to, () => rename(from, to)),
  remove: (path) => guard(path, () => rm(path, { force: true })),
  mkdirp: (path) => guard(path, async () => void (await mkdir(path, { recursive: true }))),
  list: (dir) =>
    guard(
      dir,
      () => readdir(dir),
      () => [],
    ),
};
