// `runtime.pull`: the pull pipeline with the runtime's transport, host table and credentials, made
// cancellable. An aborted pull rejects with ERR_ABORTED once every in-flight blob write has been
// aborted: no partial blob becomes visible and no image record is written.

import type { FileApi } from '../content/file-api.js';
import type { ImageRecord, Store } from '../content/store.js';
import { RuntimeError } from '../errors.js';
import { type PullEvent, pullImage } from '../image/pull.js';
import { formatReference, type ImageReference, parseReference } from '../reference/reference.js';
import { RegistryClient } from '../registry/client.js';
import type { CredentialSource, Credentials } from '../registry/credentials.js';
import { abortableFetch, abortableSleep, abortableStore, abortError, throwIfAborted } from './abort.js';
import type { EventListener } from './events.js';
import type { PullOptions } from './options.js';
import { hostTableFetch } from './registry-hosts.js';

export interface PullContext {
  store: Store;
  fetch?: typeof fetch;
  registryHosts?: Readonly<Record<string, string>>;
  credentials?: CredentialSource | Readonly<Record<string, Credentials>>;
  insecureRegistries?: readonly string[];
  files?: FileApi;
  emit: EventListener;
}

function credentialSource(credentials: PullContext['credentials']): CredentialSource | undefined {
  if (credentials === undefined || typeof credentials === 'function') return credentials;
  const table = credentials;
  return async (domain) => table[domain];
}

/** Pulls `reference` into the context's store; returns the image record. */
export async function pull(
  context: PullContext,
  reference: string | ImageReference,
  options: PullOptions = {},
): Promise<ImageRecord> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = formatReference(ref);
  const what = `pull of ${name}`;
  const signal = options.signal ?? new AbortController().signal;
  throwIfAborted(signal, what);
  let transport: typeof fetch | undefined;
  if (ref.transport === 'registry') {
    if (!context.fetch) {
      throw new RuntimeError('ERR_NOT_SUPPORTED', `${name}: no fetch function to reach the registry with`);
    }
    transport = abortableFetch(hostTableFetch(context.fetch, context.registryHosts ?? {}), signal, what);
  }
  const credentials = credentialSource(context.credentials);
  // A client per pull: its fetch and backoff carry this pull's signal.
  const client = transport
    ? new RegistryClient({
        fetch: transport,
        sleep: abortableSleep(signal, what),
        ...(credentials ? { credentials } : {}),
        ...(context.insecureRegistries ? { insecureRegistries: context.insecureRegistries } : {}),
      })
    : undefined;
  const onProgress = (event: PullEvent): void => {
    context.emit({ type: 'pull', ref: name, event });
    options.onProgress?.(event);
  };
  context.emit({ type: 'pull-start', ref: name });
  try {
    const record = await pullImage(ref, {
      store: abortableStore(context.store, signal, what),
      ...(client ? { client } : {}),
      ...(context.files ? { files: context.files } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
      onProgress,
    });
    context.emit({ type: 'pull-end', ref: name, digest: record.digest });
    return record;
  } catch (error) {
    const failure = signal.aborted ? abortError(what, signal) : error;
    const described =
      failure instanceof RuntimeError
        ? { code: failure.code, message: failure.message }
        : { code: 'ERR_REGISTRY', message: String(failure) };
    context.emit({ type: 'pull-end', ref: name, error: described });
    throw failure;
  }
}
