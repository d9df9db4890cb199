// `wasmbox diff NAME`: docker's A/C/D list of what a kept container changed in its file system.

import type { Command } from 'commander';
import { openContainer } from '../container/open.js';
import { openNodeContainers } from '../platform/node/containers.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { openNodeStore } from '../platform/node/images.js';
import { LayerTreeCache } from '../unpack/cache.js';
import { diff } from '../vfs/overlay-diff.js';
import type { VerbContext } from './main.js';

export function registerDiff(program: Command, ctx: VerbContext): void {
  program
    .command('diff')
    .description("list the changes to a container's files: A added, C changed, D deleted")
    .argument('<container>', 'name or id')
    .action(async (name: string) => {
      const { overlay } = await openContainer(
        openNodeContainers(process.env),
        openNodeStore(process.env),
        new LayerTreeCache(),
        name,
        { createHasher: nodeSha256 },
      );
      for (const change of diff(overlay)) process.stdout.write(`${change.kind} ${change.path}\n`);
      ctx.setExit(0);
    });
}
