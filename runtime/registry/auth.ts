// Registry authentication: parses `WWW-Authenticate` challenges and answers them with Basic
// credentials or a Bearer token from the realm, caching tokens per scope until they expire.

import { RuntimeError } from '../errors.js';
import { base64Encode, type CredentialSource, type Credentials } from './credentials.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (several challenges may share one header). */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)(?:\s+|$)|\s*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let current: Challenge | undefined;
  let pos = 0;
  while (pos < header.length) {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m || m[0] === '') break;
    pos = re.lastIndex;
    if (m[2] !== undefined && current) {
      current.params[m[2].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    } else if (m[1] !== undefined) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      challenges.push(current);
    }
    while (header[pos] === ',' || header[pos] === ' ') pos++;
  }
  return challenges;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

type DomainAuth = { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service?: string };

export interface AuthorizerOptions {
  fetch: typeof fetch;
  credentials?: CredentialSource;
  now: () => number;
}

/** Per-client auth state: which scheme each registry wants, and bearer tokens by scope. */
export class Authorizer {
  readonly #options: AuthorizerOptions;
  readonly #schemes = new Map<string, DomainAuth>();
  readonly #tokens = new Map<string, CachedToken>();
  /** Token requests under way, by scope: concurrent requests wait for the same one. */
  readonly #fetching = new Map<string, Promise<string>>();

  constructor(options: AuthorizerOptions) {
    this.#options = options;
  }

  /** The Authorization header to send now, if this registry is known to want one. */
  async header(domain: string, scope: string): Promise<string | undefined> {
    const auth = this.#schemes.get(domain);
    if (!auth) return undefined;
    if (auth.scheme === 'basic') return this.#basic(domain);
    return this.#bearer(domain, auth, scope);
  }

  /**
   * Learns from a 401 challenge to a request sent with the Authorization `sent` (none: undefined);
   * returns false when it cannot do better than that request did. Several requests may have been
   * challenged at once (before any knew the scheme): each is answered on its own terms.
   */
  async challenged(
    domain: string,
    header: string | null,
    scope: string,
    subject: string,
    sent?: string,
  ): Promise<boolean> {
    const challenges = parseChallenges(header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const before = this.#schemes.get(domain);
    if (bearer?.params.realm) {
      const next: DomainAuth = {
        scheme: 'bearer',
        realm: bearer.params.realm,
        ...(bearer.params.service ? { service: bearer.params.service } : {}),
      };
      // The token we hold for this scope was sent and refused: asking again will not help.
      const held = this.#tokens.get(this.#key(domain, scope));
      if (
        before?.scheme === 'bearer' &&
        before.realm === next.realm &&
        held &&
        sent === `Bearer ${held.token}`
      ) {
        this.#tokens.delete(this.#key(domain, scope));
        return false;
      }
      this.#schemes.set(domain, next);
      return true;
    }
    if (basic) {
      // Credentials were sent and refused (a request sent before the scheme was known retries).
      if (before?.scheme === 'basic' && sent?.startsWith('Basic ')) return false;
      if (!(await this.#options.credentials?.(domain))) {
        throw new RuntimeError(
          'ERR_UNAUTHORIZED',
          `${subject}: the registry wants a login (run: wasmbox login ${domain})`,
        );
      }
      this.#schemes.set(domain, { scheme: 'basic' });
      return true;
    }
    return false;
  }

  #key(domain: string, scope: string): string {
    return `${domain} ${scope}`;
  }

  async #basic(domain: string): Promise<string | undefined> {
    const creds = await this.#options.credentials?.(domain);
    if (!creds || !('username' in creds)) return undefined;
    return `Basic ${base64Encode(`${creds.username}:${creds.password}`)}`;
  }

  async #bearer(domain: string, auth: { realm: string; service?: string }, scope: string): Promise<string> {
    const key = this.#key(domain, scope);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > this.#options.now()) return `Bearer ${cached.token}`;
    let fetching = this.#fetching.get(key);
    if (!fetching) {
      fetching = this.#newToken(domain, auth, scope, key).finally(() => this.#fetching.delete(key));
      this.#fetching.set(key, fetching);
    }
    return fetching;
  }

  async #newToken(
    domain: string,
    auth: { realm: string; service?: string },
    scope: string,
    key: string,
  ): Promise<string> {
    const url = new URL(auth.realm);
    if (auth.service) url.searchParams.set('service', auth.service);
    // Several scopes (a cross-repository mount) are several `scope` parameters.
    for (const one of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', one);
    const creds = await this.#options.credentials?.(domain);
    const headers: Record<string, string> = {};
    if (creds && 'username' in creds)
      headers.authorization = `Basic ${base64Encode(`${creds.username}:${creds.password}`)}`;
    let response: Response;
    if (creds && 'identityToken' in creds) {
      // OAuth2 refresh-token grant: what Docker does with an identity token.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        service: auth.service ?? '',
        scope,
        client_id: 'wasmbox',
      });
      response = await this.#fetchToken(
        auth.realm,
        { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        domain,
      );
    } else {
      response = await this.#fetchToken(url.href, { headers }, domain);
    }
    if (!response.ok) {
      await response.body?.cancel();
      const why =
        response.status === 401 || response.status === 403
          ? 'credentials refused'
          : `HTTP ${response.status}`;
      throw new RuntimeError('ERR_UNAUTHORIZED', `token service of ${domain} (${url.origin}): ${why}`);
    }
    const body = (await response.json()) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
      issued_at?: string;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new RuntimeError('ERR_UNAUTHORIZED', `token service of ${domain}: answer has no token`);
    // The spec's default lifetime is 60 s; renew a little early.
    const lifetimeMs = Math.max(0, (body.expires_in ?? 60) * 1000 - 5_000);
    this.#tokens.set(key, { token, expiresAt: this.#options.now() + lifetimeMs });
    return `Bearer ${token}`;
  }

  async #fetchToken(url: string, init: RequestInit, domain: string): Promise<Response> {
    try {
      return await this.#options.fetch(url, init);
    } catch (error) {
      throw new RuntimeError('ERR_NETWORK', `token service of ${domain}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

export type { Credentials };
