// The registry host table: requests to a registry (or a token realm, or a blob CDN) are sent to a
// mirror or a CORS proxy instead. Browsers need this: most registries send no CORS headers.

import { RuntimeError } from '../errors.js';
import { registryBaseUrl } from '../registry/hosts.js';

/** Origin (`https://registry-1.docker.io`) → base URL (no trailing slash) that replaces it. */
function parseTable(table: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    let origin: string;
    let base: URL;
    try {
      origin = new URL(key.includes('://') ? key : registryBaseUrl(key)).origin;
      base = new URL(value);
    } catch {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid registry host entry "${key}" → "${value}"`);
    }
    out.set(origin, base.href.replace(/\/+$/, ''));
  }
  return out;
}

/** The URL a request for `url` goes to under the table (unchanged when its origin is not listed). */
export function rewriteUrl(url: string, table: ReadonlyMap<string, string>): string {
  const parsed = new URL(url);
  const base = table.get(parsed.origin);
  return base === undefined ? url : base + parsed.pathname + parsed.search;
}

/** Wraps `base` so every request follows the host table. */
export function hostTableFetch(base: typeof fetch, table: Readonly<Record<string, string>>): typeof fetch {
  const map = parseTable(table);
  if (map.size === 0) return base;
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return base(rewriteUrl(url, map), init);
  }) as typeof fetch;
}
