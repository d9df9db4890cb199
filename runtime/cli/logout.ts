// `wasmbox logout [SERVER]`: removes saved credentials from Docker's config file.

import type { Command } from 'commander';
import { dockerConfigPath, readDockerConfig, writeDockerConfig } from '../platform/node/images.js';
import { withoutCredentials } from '../registry/credentials.js';
import { registryDomain } from './login.js';
import type { VerbContext } from './main.js';

export function registerLogout(program: Command, ctx: VerbContext): void {
  program
    .command('logout')
    .description('remove saved credentials for a registry (default: Docker Hub)')
    .argument('[server]', 'registry host')
    .action(async (server: string | undefined) => {
      const domain = registryDomain(server);
      const { text, removed } = withoutCredentials(
        await readDockerConfig(process.env),
        domain,
        dockerConfigPath(process.env),
      );
      if (removed) {
        await writeDockerConfig(process.env, text);
        process.stdout.write(`Removing login credentials for ${domain}\n`);
      } else {
        process.stdout.write(`Not logged in to ${domain}\n`);
      }
      ctx.setExit(0);
    });
}
