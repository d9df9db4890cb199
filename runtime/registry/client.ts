// The registry client (OCI distribution API) over an injected `fetch`: manifests and blobs with
// auth, redirects, retries with backoff, and blob downloads that resume with `Range`.

import type { Descriptor } from '../core/descriptor.js';
import { manifestAccept } from '../core/media-types.js';
import { RuntimeError } from '../errors.js';
import type { RegistryReference } from '../reference/reference.js';
import { Authorizer } from './auth.js';
import type { CredentialSource } from './credentials.js';
import { distributionError } from './distribution-errors.js';
import { registryBaseUrl } from './hosts.js';
import {
  backoffDelay,
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.js';

export interface RegistryClientOptions {
  /** The HTTP transport: http-fetch.ts on Node, the page's fetch in a browser. */
  fetch: typeof fetch;
  /** Where credentials come from; none means anonymous only. */
  credentials?: CredentialSource;
  /** Registries (host or host:port) reached over plain HTTP; loopback always is. */
  insecureRegistries?: readonly string[];
  retry?: Partial<RetryPolicy>;
  /** Injected for tests; defaults to setTimeout and Date.now. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  /** Content-Type without parameters ('' when absent). */
  contentType: string;
}

/** Where a blob download writes; `offset` is where a resumed download continues. */
export interface BlobSink {
  readonly offset: number;
  /** True when `write` is done with its chunk once it resolves (see LendingResponse). */
  readonly copies?: boolean;
  write(chunk: Uint8Array): Promise<void>;
  /** The server ignored our Range: drop what was written and start over. */
  reset(): Promise<void>;
}

/**
 * A response whose body chunks are lent out of the transport's read buffers (Node's raw-http.ts):
 * a chunk handed back with `recycle` is read into again, so a big download touches a few MiB of
 * memory instead of its whole size. Only a chunk nobody reads any more may be handed back.
 */
interface LendingResponse {
  recycle?(chunk: Uint8Array): void;
}

/** A request beyond GET (uploads, see upload.ts), and the token scope it needs. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Actions on the reference's repository (default `pull`; uploads need `pull,push`). */
  actions?: string;
  /** Other repositories of the registry the request reads from (a cross-repository mount). */
  alsoPull?: readonly string[];
  /** False for requests that must not be sent twice (a PATCH of upload data). */
  retry?: boolean;
}

/** Manifests bigger than this are refused: no real manifest comes close (containerd uses 4 MiB too). */
export const maxManifestBytes = 4 << 20;
const maxRedirects = 10;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** The client a pull or push uses: the one given, or a new one over the given fetch. */
/** How pull and push reach a registry: a ready client (its token cache shared), or what makes one. */
export type RegistryAccess = Partial<Omit<RegistryClientOptions, 'now'>> & { client?: RegistryClient };

export function clientFor(options: RegistryAccess, purpose: string): RegistryClient {
  if (options.client) return options.client;
  if (!options.fetch) throw new RuntimeError('ERR_INVALID_ARGUMENT', `${purpose} needs a fetch function`);
  return new RegistryClient({
    fetch: options.fetch,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

export class RegistryClient {
  readonly #fetch: typeof fetch;
  readonly #insecure: readonly string[];
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #auth: Authorizer;

  constructor(options: RegistryClientOptions) {
    this.#fetch = options.fetch;
    this.#insecure = options.insecureRegistries ?? [];
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.#auth = new Authorizer({
      fetch: options.fetch,
      now: this.#now,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** `GET /v2/`: checks the registry answers and that our credentials (if any) are accepted. */
  async ping(domain: string): Promise<void> {
    const response = await this.#request(domain, '', '/v2/', {}, `registry ${domain}`);
    await response.body?.cancel();
    if (!response.ok) throw distributionError(response.status, '', `registry ${domain}`);
  }

  /** Fetches a manifest or index by tag or digest, asking for every type we understand. */
  async getManifest(ref: RegistryReference, tagOrDigest: string): Promise<FetchedManifest> {
    const subject = `manifest of ${ref.domain}/${ref.repository}${tagOrDigest.startsWith('sha256:') ? '@' : ':'}${tagOrDigest}`;
    const response = await this.#request(
      ref.domain,
      ref.repository,
      `/v2/${ref.repository}/manifests/${tagOrDigest}`,
      { accept: manifestAccept },
      subject,
    );
    if (!response.ok) throw distributionError(response.status, await safeText(response), subject);
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > maxManifestBytes) {
      await response.body?.cancel();
      throw new RuntimeError('ERR_BAD_MANIFEST', `${subject}: ${length} bytes is too large for a manifest`);
    }
    const bytes = await readLimited(response, maxManifestBytes, subject);
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { bytes, contentType };
  }

  /**
   * Streams a blob into `sink`, resuming with `Range` after a broken connection. It checks the
   * size never exceeds the descriptor's; the digest is the sink's owner's job (the store's commit).
   */
  async fetchBlob(
    ref: RegistryReference,
    desc: Descriptor,
    sink: BlobSink,
    onBytes?: (n: number) => void,
  ): Promise<void> {
    const subject = `blob ${desc.digest} of ${ref.domain}/${ref.repository}`;
    let failures = 0;
    for (;;) {
      const resumeAt = sink.offset;
      const headers: Record<string, string> = resumeAt > 0 ? { range: `bytes=${resumeAt}-` } : {};
      const response = await this.#request(
        ref.domain,
        ref.repository,
        `/v2/${ref.repository}/blobs/${desc.digest}`,
        headers,
        subject,
      );
      if (response.status === 416 && resumeAt > 0) {
        await response.body?.cancel();
        throw new RuntimeError(
          'ERR_DIGEST_MISMATCH',
          `${subject}: blob ends after ${resumeAt} bytes, its descriptor says ${desc.size}`,
        );
      }
      if (!response.ok) throw distributionError(response.status, await safeText(response), subject);
      if (resumeAt > 0 && response.status !== 206) await sink.reset();
      let received = 0;
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      try {
        if (!response.body) throw new Error('empty response body');
        reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (sink.offset + value.length > desc.size) {
            throw new RuntimeError(
              'ERR_DIGEST_MISMATCH',
              `${subject}: blob is larger than the ${desc.size} bytes its descriptor says`,
            );
          }
          await sink.write(value);
          if (sink.copies) (response as LendingResponse).recycle?.(value);
          received += value.length;
          onBytes?.(value.length);
        }
        if (sink.offset === desc.size) return;
        throw new Error(`connection closed after ${sink.offset} of ${desc.size} bytes`);
      } catch (error) {
        // The sink may have refused a chunk (an abort, a full disk): the connection goes too.
        await reader?.cancel().catch(() => {});
        if (error instanceof RuntimeError) throw error;
        // A connection that delivered bytes made progress: only consecutive dry failures count.
        failures = received > 0 ? 1 : failures + 1;
        if (failures > this.#retry.retries) {
          throw new RuntimeError('ERR_NETWORK', `${subject}: ${(error as Error).message}`, { cause: error });
        }
        await this.#sleep(backoffDelay(this.#retry, failures));
      }
    }
  }

  /**
   * A raw request for the upload functions: `path` is below the registry's base URL, or an
   * absolute upload URL the registry gave. The caller reads or cancels the response body.
   */
  send(ref: RegistryReference, path: string, options: SendOptions, subject: string): Promise<Response> {
    return this.#request(ref.domain, ref.repository, path, options.headers ?? {}, subject, options);
  }

  /**
   * One logical request: adds auth, answers 401 challenges, follows redirects (dropping
   * Authorization when the origin changes), retries connection errors, 5xx and 429.
   * Returns the final response, ok or not; the caller reads or cancels its body.
   */
  async #request(
    domain: string,
    repository: string,
    path: string,
    headers: Record<string, string>,
    subject: string,
    options: SendOptions = {},
  ): Promise<Response> {
    const base = registryBaseUrl(domain, this.#insecure);
    const origin = new URL(base).origin;
    const scope = repository
      ? [
          `repository:${repository}:${options.actions ?? 'pull'}`,
          ...(options.alsoPull ?? []).map((r) => `repository:${r}:pull`),
        ].join(' ')
      : '';
    const retries = options.retry === false ? 0 : this.#retry.retries;
    let url = /^https?:\/\//.test(path) ? path : base + path;
    let attempt = 0;
    let redirects = 0;
    let challenges = 0;
    for (;;) {
      const sameOrigin = new URL(url).origin === origin;
      // A plain record, not `Headers`: on Node, touching `Headers` loads undici (~20 ms).
      const requestHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) requestHeaders[name.toLowerCase()] = value;
      if (sameOrigin) {
        const authorization = await this.#auth.header(domain, scope);
        if (authorization) requestHeaders.authorization = authorization;
      }
      let response: Response;
      try {
        const init = {
          headers: requestHeaders,
          ...(options.method ? { method: options.method } : {}),
          ...(options.body ? { body: options.body as Uint8Array<ArrayBuffer> } : {}),
        };
        response = await this.#fetch(url, { ...init, redirect: 'manual' });
        if (response.type === 'opaqueredirect') {
          // Browsers hide manual redirects; their own follow drops Authorization across origins.
          response = await this.#fetch(url, { ...init, redirect: 'follow' });
        }
      } catch (error) {
        if (error instanceof RuntimeError) throw error;
        const untrusted = certificateProblem(error);
        if (untrusted) {
          // Not a passing failure: retrying would only fail the same way, later.
          throw new RuntimeError(
            'ERR_NETWORK',
            `${subject}: ${new URL(url).origin}: the registry's TLS certificate is not trusted (${untrusted}); ` +
              'give its CA (wasmbox --ca-file, $WASMBOX_REGISTRY_CA)',
            { cause: error },
          );
        }
        if (attempt >= retries) {
          const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
          throw new RuntimeError('ERR_NETWORK', `${subject}: cannot reach ${new URL(url).origin}: ${cause}`, {
            cause: error,
          });
        }
        attempt++;
        await this.#sleep(backoffDelay(this.#retry, attempt));
        continue;
      }
      if (redirectStatuses.has(response.status) && response.headers.has('location')) {
        await response.body?.cancel();
        if (++redirects > maxRedirects)
          throw new RuntimeError('ERR_REGISTRY', `${subject}: too many redirects`);
        url = new URL(response.headers.get('location')!, url).href;
        continue;
      }
      if (response.status === 401 && sameOrigin && challenges < 2) {
        challenges++;
        const challenge = response.headers.get('www-authenticate');
        if (await this.#auth.challenged(domain, challenge, scope, subject, requestHeaders.authorization)) {
          await response.body?.cancel();
          continue;
        }
      }
      if (isRetryableStatus(response.status) && attempt < retries) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
        await response.body?.cancel();
        attempt++;
        await this.#sleep(backoffDelay(this.#retry, attempt, retryAfter));
        continue;
      }
      return response;
    }
  }
}

/** The TLS verification code of a fetch failure (Node's error codes), when that is what it was. */
function certificateProblem(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

async function safeText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

async function readLimited(response: Response, limit: number, subject: string): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new RuntimeError(
          'ERR_BAD_MANIFEST',
          `${subject}: more than ${limit} bytes is too large for a manifest`,
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    throw new RuntimeError('ERR_NETWORK', `${subject}: ${(error as Error).message}`, { cause: error });
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
