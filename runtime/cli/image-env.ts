// What the image verbs share: registry flags, and the Node store, fetch and credentials they use.

import type { Command } from 'commander';
import type { Store } from '../content/store.js';
import { dockerConfigCredentials, nodeFetch, openNodeStore } from '../platform/node/images.js';
import type { CredentialSource } from '../registry/credentials.js';
import { collect } from './options.js';

export interface RegistryFlags {
  insecureRegistry: string[];
  caFile?: string;
}

export function addRegistryFlags(command: Command): Command {
  return command
    .option(
      '--insecure-registry <host>',
      'allow plain HTTP to this registry (host or host:port)',
      collect,
      [],
    )
    .option('--ca-file <pem>', 'extra CA certificates for registries (default: $WASMBOX_REGISTRY_CA)');
}

export interface ImageEnv {
  store: Store;
  fetch: typeof fetch;
  credentials: CredentialSource;
  insecureRegistries: string[];
}

export async function openImageEnv(flags: Partial<RegistryFlags> = {}): Promise<ImageEnv> {
  return {
    store: openNodeStore(process.env),
    fetch: await nodeFetch(process.env, flags.caFile),
    credentials: dockerConfigCredentials(process.env),
    insecureRegistries: flags.insecureRegistry ?? [],
  };
}

/** Docker's size format: decimal units, three significant digits. */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3).replace(/\.?0+$/, '')}${units[unit]}`;
}

/** "3 hours ago", as `docker images` shows it. */
export function formatAge(iso: string | undefined, now: number): string {
  if (!iso) return 'N/A';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'N/A';
  const seconds = Math.max(0, (now - then) / 1000);
  const steps: [number, string][] = [
    [60 * 60 * 24 * 365, 'year'],
    [60 * 60 * 24 * 30, 'month'],
    [60 * 60 * 24 * 7, 'week'],
    [60 * 60 * 24, 'day'],
    [60 * 60, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n > 1 ? 's' : ''} ago`;
  }
  return 'Less than a minute ago';
}
