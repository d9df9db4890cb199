// Test helper: copies a host directory into an in-memory tree (files, dirs, symlinks).

import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { MemDir } from '../../runtime/vfs/mem.js';

export function copyHostTree(hostDir: string, into: MemDir): void {
  for (const name of readdirSync(hostDir).sort()) {
    const path = join(hostDir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) {
      copyHostTree(path, into.mkdir(name, st.mode & 0o7777));
    } else if (st.isSymbolicLink()) {
      into.symlink(name, readlinkSync(path));
    } else if (st.isFile()) {
      const file = into.createFile(name, st.mode & 0o7777);
      file.open(true).write(readFileSync(path), 0);
    }
  }
}
