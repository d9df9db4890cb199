// Parsing of docker- and wasmtime-style run flags into plain values; errors name the flag.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RuntimeError } from '../errors.js';

function invalid(message: string): RuntimeError {
  return new RuntimeError('ERR_INVALID_ARGUMENT', message);
}

/** `-e K=V` sets; `-e K` passes the host's value, or nothing when the host has none (docker's rule). */
export function parseEnvEntry(entry: string, hostEnv: NodeJS.ProcessEnv, into: Map<string, string>): void {
  const eq = entry.indexOf('=');
  const key = eq < 0 ? entry : entry.slice(0, eq);
  if (key.length === 0 || key.includes('\0')) throw invalid(`invalid environment variable: "${entry}"`);
  if (eq >= 0) {
    into.set(key, entry.slice(eq + 1));
  } else {
    const value = hostEnv[key];
    if (value !== undefined) into.set(key, value);
  }
}

/** Docker's env-file format: KEY=VALUE or KEY per line, '#' comments, blank lines ignored. */
export function parseEnvFile(path: string, hostEnv: NodeJS.ProcessEnv, into: Map<string, string>): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuntimeError('ERR_NOT_FOUND', `cannot read env file ${path}: ${(error as Error).message}`);
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    parseEnvEntry(line, hostEnv, into);
  }
}

export interface VolumeSpec {
  host: string;
  guest: string;
  readOnly: boolean;
}

/** `-v HOST:GUEST[:ro|rw]` (docker). */
export function parseVolume(value: string): VolumeSpec {
  const parts = value.split(':');
  let mode = 'rw';
  if (parts.length === 3) mode = parts.pop()!;
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw invalid(`invalid volume "${value}": expected HOST:GUEST[:ro]`);
  }
  if (mode !== 'ro' && mode !== 'rw')
    throw invalid(`invalid volume mode "${mode}" in "${value}": use ro or rw`);
  return volume(parts[0], parts[1], mode === 'ro', value);
}

/** `--dir HOST::GUEST` or `--dir HOST` (wasmtime). */
export function parseDir(value: string): VolumeSpec {
  const sep = value.indexOf('::');
  const host = sep < 0 ? value : value.slice(0, sep);
  const guest = sep < 0 ? value : value.slice(sep + 2);
  if (!host || !guest) throw invalid(`invalid --dir "${value}": expected HOST::GUEST`);
  return volume(host, isAbsolute(guest) ? guest : `/${guest}`, false, value);
}

function volume(host: string, guest: string, readOnly: boolean, raw: string): VolumeSpec {
  if (!guest.startsWith('/')) throw invalid(`invalid volume "${raw}": the container path must be absolute`);
  return { host: resolve(host), guest, readOnly };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
