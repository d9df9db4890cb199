// `wasmbox rm NAME…`: removes kept containers (record, saved layer, name), like docker rm.

import type { Command } from 'commander';
import { removeContainer } from '../container/remove.js';
import { openNodeContainers } from '../platform/node/containers.js';
import { describeError } from './exit-status.js';
import type { VerbContext } from './main.js';

export function registerRm(program: Command, ctx: VerbContext): void {
  program
    .command('rm')
    .description('remove containers')
    .argument('<containers...>', 'names or ids (a unique id prefix is enough)')
    .option('-f, --force', 'no error for a missing container')
    .action(async (names: string[], flags: { force?: boolean }) => {
      const containers = openNodeContainers(process.env);
      let failed = false;
      // Like docker: every argument is tried; each failure is reported and the exit status is 1.
      for (const name of names) {
        try {
          const removed = await removeContainer(containers, name, { force: flags.force ?? false });
          if (removed) process.stdout.write(`${name}\n`);
        } catch (error) {
          process.stderr.write(`wasmbox: ${describeError(error)}\n`);
          failed = true;
        }
      }
      ctx.setExit(failed ? 1 : 0);
    });
}
