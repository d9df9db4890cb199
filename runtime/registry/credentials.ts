// Registry credentials and Docker's config file format (`auths` in ~/.docker/config.json): pure
// functions over the file's text, so reading and writing the file is the platform's job.

import { RuntimeError } from '../errors.js';

export type Credentials = { username: string; password: string } | { identityToken: string };

/** Looks up credentials for a registry domain; injected into the registry client. */
export type CredentialSource = (domain: string) => Promise<Credentials | undefined>;

/** Docker keeps Docker Hub's credentials under its old v1 URL. */
const dockerHubKey = 'https://index.docker.io/v1/';

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  [key: string]: unknown;
}

function configKey(domain: string): string {
  return domain === 'docker.io' ? dockerHubKey : domain;
}

/** Keys that mean the same registry: bare host, with scheme, with Docker's `/v1/` or `/v2/` suffix. */
function normaliseKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function parseConfig(text: string | undefined, file: string): DockerConfig {
  if (text === undefined || text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as DockerConfig;
  } catch {
    // fall through to the error below
  }
  throw new RuntimeError(
    'ERR_INVALID_ARGUMENT',
    `${file}: not a valid Docker config file (JSON object expected)`,
  );
}

function base64Decode(value: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
}

export function base64Encode(value: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(value)));
}

/** The credentials Docker's config text holds for a domain, if any. */
export function credentialsFromConfig(
  text: string | undefined,
  domain: string,
  file = 'config.json',
): Credentials | undefined {
  const auths = parseConfig(text, file).auths ?? {};
  for (const [key, entry] of Object.entries(auths)) {
    if (normaliseKey(key) !== domain || typeof entry !== 'object' || entry === null) continue;
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = base64Decode(entry.auth);
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/** The config text with the domain's credentials set (other keys kept as they were). */
export function withCredentials(
  text: string | undefined,
  domain: string,
  creds: { username: string; password: string },
  file = 'config.json',
): string {
  const config = parseConfig(text, file);
  const auths = { ...(config.auths ?? {}) };
  for (const key of Object.keys(auths)) if (normaliseKey(key) === domain) delete auths[key];
  auths[configKey(domain)] = { auth: base64Encode(`${creds.username}:${creds.password}`) };
  return `${JSON.stringify({ ...config, auths }, null, '\t')}\n`;
}

/** The config text without the domain's credentials, and whether there were any. */
export function withoutCredentials(
  text: string | undefined,
  domain: string,
  file = 'config.json',
): { text: string; removed: boolean } {
  const config = parseConfig(text, file);
  const auths = { ...(config.auths ?? {}) };
  let removed = false;
  for (const key of Object.keys(auths)) {
    if (normaliseKey(key) === domain) {
      delete auths[key];
      removed = true;
    }
  }
  return { text: `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, removed };
}
