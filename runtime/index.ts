// The Node entry of wasmbox: everything the browser entry has, plus host-directory mounts, and
// `createRuntime` with Node's defaults (the store under $WASMBOX_HOME, undici, worker_threads).

import type { RuntimeOptions } from './api/options.js';
import { nodeComponentCache } from './platform/node/component-cache.js';
import { nodeFileApi } from './platform/node/file-api.js';
import { mountHostDir } from './platform/node/host-dir.js';
import { dockerConfigCredentials, nodeFetch, openNodeStore } from './platform/node/images.js';
import { nodeInterrupter } from './platform/node/interrupt.js';
import { nodeWorkerFactory } from './platform/node/worker.js';
import { createRuntime as createCoreRuntime, type Runtime } from './runtime.js';

export * from './browser.js';
export { mountHostDir } from './platform/node/host-dir.js';
export { openNodeStore } from './platform/node/images.js';
export { fdSink, fdSource } from './platform/node/stdio.js';
export { nodeWorkerFactory } from './platform/node/worker.js';

export interface NodeRuntimeOptions extends RuntimeOptions {
  /** wasmbox's home (images under `home/images`, an OCI layout skopeo reads). Default:
   * $WASMBOX_HOME, else $XDG_CACHE_HOME/wasmbox, else ~/.cache/wasmbox. */
  home?: string;
  /** The environment the defaults are read from (never the guest's). Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Resolved on first use: a runtime that never pulls never loads undici. */
function lazyFetch(env: Record<string, string | undefined>): typeof fetch {
  let loaded: Promise<typeof fetch> | undefined;
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    loaded ??= nodeFetch(env);
    return loaded.then((f) => f(input, init));
  }) as typeof fetch;
}

/**
 * A runtime for a Node program. Defaults: images in the OCI layout store under wasmbox's home
 * (shared with the CLI), registries through undici with ~/.docker/config.json credentials, shared
 * isolation with timeouts by the vm module's watchdog, vm isolation in worker_threads, host
 * directory mounts, and transpiled components cached on disk.
 */
export function createRuntime(options: NodeRuntimeOptions = {}): Runtime {
  const env = { ...(options.env ?? process.env), ...(options.home ? { WASMBOX_HOME: options.home } : {}) };
  return createCoreRuntime({
    ...options,
    store: options.store ?? openNodeStore(env),
    fetch: options.fetch ?? lazyFetch(env),
    credentials: options.credentials ?? dockerConfigCredentials(env),
    workers: options.workers ?? nodeWorkerFactory(),
    interrupter: options.interrupter ?? nodeInterrupter(),
    mountHost: options.mountHost ?? ((path, mountOptions) => mountHostDir(path, mountOptions)),
    files: options.files ?? nodeFileApi,
    componentCache: options.componentCache ?? nodeComponentCache(env),
  });
}
