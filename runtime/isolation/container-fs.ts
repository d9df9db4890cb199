// Builds a container's filesystem from its spec, in whichever realm the guest runs: a fresh (or given)
// in-memory root, the spec's files, host mounts through the platform's capability, the workdir.

import { buildRootfs, type MountSpec, type Rootfs } from '../container/rootfs.js';
import { RuntimeError } from '../errors.js';
import { MemFs } from '../vfs/mem.js';
import { ensureDir, splitAbsolute } from '../vfs/paths.js';
import { FsError } from '../vfs/types.js';
import type { MountHost } from './seam.js';
import type { ContainerSpec } from './types.js';

type FsSpec = Pick<
  ContainerSpec,
  'root' | 'mounts' | 'hostMounts' | 'files' | 'workdir' | 'tmpfs' | 'readOnly'
>;

export function materialise(spec: FsSpec, mountHost: MountHost | undefined): Rootfs {
  const mounts: MountSpec[] = [...(spec.mounts ?? [])];
  for (const m of spec.hostMounts ?? []) {
    if (!mountHost) {
      throw new RuntimeError(
        'ERR_NOT_SUPPORTED',
        `cannot mount ${m.hostPath}: no host directories on this platform`,
      );
    }
    try {
      mounts.push({ target: m.target, dir: mountHost(m.hostPath, { readOnly: !!m.readOnly }) });
    } catch (error) {
      if (error instanceof FsError) {
        throw new RuntimeError('ERR_INVALID_ARGUMENT', `cannot mount ${m.hostPath}: ${error.message}`);
      }
      throw error;
    }
  }
  for (const target of spec.tmpfs ?? []) mounts.push({ target, dir: new MemFs().root });
  const root = spec.root ?? new MemFs();
  const encoder = new TextEncoder();
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    const names = splitAbsolute(path);
    const name = names.pop();
    if (name === undefined) throw new RuntimeError('ERR_INVALID_ARGUMENT', `not a file path: "${path}"`);
    const file = ensureDir(root.root, `/${names.join('/')}`).createFile(name, 0o644);
    const handle = file.open(true);
    handle.write(typeof content === 'string' ? encoder.encode(content) : content, 0);
    handle.close();
  }
  return buildRootfs({
    root,
    mounts,
    ...(spec.workdir ? { workdir: spec.workdir } : {}),
    ...(spec.readOnly ? { readOnly: true } : {}),
  });
}
