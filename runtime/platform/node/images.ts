// Node wiring for images: the on-disk store under $WASMBOX_HOME (default: the XDG cache dir),
// a node:http registry transport (an extra CA for private registries), and Docker's credentials.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { OciLayoutStore } from '../../content/oci-layout.js';
import { RuntimeError } from '../../errors.js';
import { type CredentialSource, credentialsFromConfig } from '../../registry/credentials.js';
import { nodeFileApi } from './file-api.js';
import { nodeSha256 } from './hash.js';
import { createHttpFetch } from './http-fetch.js';

type Env = Record<string, string | undefined>;

/** `$WASMBOX_HOME`, else `$XDG_CACHE_HOME/wasmbox`, else `~/.cache/wasmbox`. */
export function wasmboxHome(env: Env): string {
  if (env.WASMBOX_HOME) return env.WASMBOX_HOME;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'wasmbox');
}

/** The OCI image layout that holds pulled images: `skopeo inspect oci:<this dir>:<name>` reads it. */
export function imageStoreDir(env: Env): string {
  return join(wasmboxHome(env), 'images');
}

/** This process, as ingest `.owner` files name it: `HOST:PID`. */
const thisProcess = `${hostname()}:${process.pid}`;

/** Whether the process an ingest's owner names still runs (another host's: assumed so). */
function ownerAlive(owner: string): boolean {
  const colon = owner.lastIndexOf(':');
  const pid = Number(owner.slice(colon + 1));
  if (owner.slice(0, colon) !== hostname() || !Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function openNodeStore(env: Env): OciLayoutStore {
  return new OciLayoutStore(imageStoreDir(env), nodeFileApi, {
    createHasher: nodeSha256,
    owner: thisProcess,
    ownerAlive,
  });
}

/**
 * The registry transport: node:http/https (http-fetch.ts), not undici, because most of a CLI
 * pull is start-up and undici's fetch costs ~20 ms to load plus slower bodies. `caFile` (or
 * `$WASMBOX_REGISTRY_CA`) adds a PEM bundle to the trusted CAs, for registries with a private CA.
 */
export async function nodeFetch(env: Env, caFile?: string): Promise<typeof fetch> {
  const file = caFile ?? env.WASMBOX_REGISTRY_CA;
  if (!file) return createHttpFetch();
  let ca: string;
  try {
    ca = await readFile(file, 'utf8');
  } catch (error) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `cannot read the CA file ${file}: ${(error as Error).message}`,
    );
  }
  return createHttpFetch({ ca });
}

/** Docker's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: Env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

export async function readDockerConfig(env: Env): Promise<string | undefined> {
  try {
    return await readFile(dockerConfigPath(env), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeError('ERR_HOST_IO', `${dockerConfigPath(env)}: ${(error as Error).message}`);
  }
}

/** Replaces the config file atomically, readable by its owner only (it holds passwords). */
export async function writeDockerConfig(env: Env, text: string): Promise<void> {
  const path = dockerConfigPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}

/** Credentials from Docker's config file, read on each lookup so a login in between is seen. */
export function dockerConfigCredentials(env: Env): CredentialSource {
  return async (domain) => credentialsFromConfig(await readDockerConfig(env), domain, dockerConfigPath(env));
}
