// `wasmbox login [SERVER]`: checks credentials against the registry, then saves them in Docker's
// config file ($DOCKER_CONFIG/config.json), where docker and skopeo find them too. On a terminal,
// a user name or password not given by a flag is asked for (the password without echo).

import type { Command } from 'commander';
import { RuntimeError } from '../errors.js';
import { dockerConfigPath, readDockerConfig, writeDockerConfig } from '../platform/node/images.js';
import { RegistryClient } from '../registry/client.js';
import { withCredentials } from '../registry/credentials.js';
import { addRegistryFlags, openImageEnv, type RegistryFlags } from './image-env.js';
import type { VerbContext } from './main.js';
import { ask, canAsk } from './prompt.js';

interface LoginFlags extends RegistryFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** `https://host:5000/v2/` → `host:5000`; Docker Hub's names → `docker.io`. */
export function registryDomain(server: string | undefined): string {
  const host = (server ?? 'docker.io').replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!/^(?:[a-zA-Z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::\d+)?$/.test(host)) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid registry server: ${server}`);
  }
  return ['index.docker.io', 'registry-1.docker.io'].includes(host) ? 'docker.io' : host;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerLogin(program: Command, ctx: VerbContext): void {
  addRegistryFlags(
    program
      .command('login')
      .description('log in to a registry (default: Docker Hub)')
      .argument('[server]', 'registry host, e.g. ghcr.io or localhost:5000')
      .option('-u, --username <name>', 'user name')
      .option('-p, --password <password>', 'password (prefer --password-stdin)')
      .option('--password-stdin', 'read the password from stdin'),
  ).action(async (server: string | undefined, flags: LoginFlags) => {
    const domain = registryDomain(server);
    // Like docker login: what the flags do not give is asked for on a terminal.
    const interactive = !flags.passwordStdin && canAsk();
    const username = flags.username ?? (interactive ? await ask('Username: ') : undefined);
    if (!username) throw new RuntimeError('ERR_INVALID_ARGUMENT', 'login needs --username');
    const password = flags.passwordStdin
      ? await readStdin()
      : (flags.password ?? (interactive ? await ask('Password: ', { hidden: true }) : undefined));
    if (!password)
      throw new RuntimeError('ERR_INVALID_ARGUMENT', 'login needs --password-stdin or --password');
    const creds = { username, password };
    const env = await openImageEnv(flags);
    const client = new RegistryClient({
      fetch: env.fetch,
      insecureRegistries: env.insecureRegistries,
      credentials: async (d) => (d === domain ? creds : undefined),
      retry: { retries: 1 },
    });
    await client.ping(domain);
    await writeDockerConfig(
      process.env,
      withCredentials(await readDockerConfig(process.env), domain, creds, dockerConfigPath(process.env)),
    );
    process.stdout.write('Login Succeeded\n');
    ctx.setExit(0);
  });
}
