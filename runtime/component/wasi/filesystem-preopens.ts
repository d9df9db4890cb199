// wasi:filesystem/preopens: the directories the caller granted, under the names the guest sees.

import type { ComponentHost } from '../host.js';
import { type Descriptor, preopenDescriptor } from './filesystem-types.js';

export function filesystemPreopens(host: ComponentHost): Record<string, unknown> {
  return {
    getDirectories: (): Array<[Descriptor, string]> =>
      host.preopens.map((p) => [preopenDescriptor(host, p.dir, !!p.containerRoot), p.guestPath]),
  };
}
