// The one place where kernel failures become WASI errno values.

import { type FsErrno, FsError } from '../vfs/types.js';
import { Errno } from './constants.js';

const FROM_FS: Record<FsErrno, number> = {
  EACCES: Errno.ACCES,
  EBADF: Errno.BADF,
  EBUSY: Errno.BUSY,
  EEXIST: Errno.EXIST,
  EFBIG: Errno.FBIG,
  EINVAL: Errno.INVAL,
  EIO: Errno.IO,
  EISDIR: Errno.ISDIR,
  ELOOP: Errno.LOOP,
  EMLINK: Errno.MLINK,
  ENAMETOOLONG: Errno.NAMETOOLONG,
  ENOENT: Errno.NOENT,
  ENOSPC: Errno.NOSPC,
  ENOTCAPABLE: Errno.NOTCAPABLE,
  ENOTDIR: Errno.NOTDIR,
  ENOTEMPTY: Errno.NOTEMPTY,
  ENOTSUP: Errno.NOTSUP,
  EPERM: Errno.PERM,
  EROFS: Errno.ROFS,
  EXDEV: Errno.XDEV,
};

/** An errno raised directly by the kernel (bad fd, missing right, bad argument). */
export class WasiErrno extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

/** Maps a thrown kernel error to an errno; anything else is a kernel bug and propagates. */
export function toErrno(error: unknown): number {
  if (error instanceof WasiErrno) return error.errno;
  if (error instanceof FsError) return FROM_FS[error.errno];
  if (error instanceof RangeError) return Errno.NOMEM;
  throw error;
}
