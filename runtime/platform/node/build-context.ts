// The build context of `wasmbox build` on Node: a host directory read through node:fs, never
// past its root (paths with `..` are refused; symlinks are reported, not followed).

import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext, ContextEntry } from '../../build/context.js';
import { RuntimeError } from '../../errors.js';

function hostIo(error: unknown, path: string): RuntimeError {
  return new RuntimeError('ERR_HOST_IO', `${path}: ${(error as Error).message}`, { cause: error });
}

export function nodeBuildContext(root: string): BuildContext {
  const resolve = (path: string) => {
    if (path.split('/').includes('..')) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `${path}: is outside the build context`);
    }
    return path === '' ? root : join(root, path);
  };
  return {
    async lstat(path): Promise<ContextEntry | undefined> {
      const host = resolve(path);
      try {
        const s = await lstat(host);
        const mode = s.mode & 0o7777;
        if (s.isSymbolicLink()) return { kind: 'symlink', mode, size: 0, target: await readlink(host) };
        if (s.isDirectory()) return { kind: 'dir', mode, size: 0 };
        if (s.isFile()) return { kind: 'file', mode, size: s.size };
        return { kind: 'other', mode, size: 0 };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw hostIo(error, host);
      }
    },
    async list(path) {
      try {
        return await readdir(resolve(path));
      } catch (error) {
        throw hostIo(error, resolve(path));
      }
    },
    async read(path) {
      try {
        return new Uint8Array(await readFile(resolve(path)));
      } catch (error) {
        throw hostIo(error, resolve(path));
      }
    },
  };
}
