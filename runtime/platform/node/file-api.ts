// The content store's FileApi over node:fs, for the OCI layout store on disk.

import { createReadStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
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

/** Writes every byte of `chunks` (a writev may write fewer than asked; rare on files, not never). */
async function writeFully(handle: FileHandle, chunks: Uint8Array[], size: number): Promise<void> {
  let { bytesWritten } = await handle.writev(chunks);
  if (bytesWritten === size) return;
  const rest = Buffer.concat(chunks, size);
  while (bytesWritten < size) bytesWritten += (await handle.write(rest, bytesWritten)).bytesWritten;
}

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
    // Network chunks are small (16–64 KiB): gather them so each write syscall moves ~1 MiB, as one
    // writev (no copy into a bigger buffer). A batch is written while the next one gathers: the
    // caller waits only when the batch before is still being written (at most two in memory).
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    // A failed batch is reported once, by the next write or close (an abort's close then succeeds).
    let failed: { error: unknown; reported?: boolean } | undefined;
    const flush = (): Promise<void> => {
      const batch = pending;
      const size = pendingBytes;
      pending = [];
      pendingBytes = 0;
      const previous = writing;
      writing = previous.then(async () => {
        if (failed || size === 0) return;
        try {
          await writeFully(handle, batch, size);
        } catch (error) {
          failed = { error };
        }
      });
      return previous;
    };
    const report = () => {
      if (!failed) return;
      failed.reported = true;
      throw failed.error;
    };
    return {
      write: (chunk) =>
        guard(path, async () => {
          report();
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= writeBatchBytes) await flush();
          report();
        }),
      close: () =>
        guard(path, async () => {
          try {
            await flush();
            await writing;
            if (!failed?.reported) report();
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
