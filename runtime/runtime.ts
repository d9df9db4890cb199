// The library's façade: `createRuntime(options)` → pull images, create and run containers, exec.
// Platform-free: every capability (store, fetch, workers, watchdog, host mounts) is injected, and
// the Node (index.ts) and browser (browser.ts) entries fill in their defaults.

import type { Container } from './api/container.js';
import { createContainer } from './api/create.js';
import { emitter } from './api/events.js';
import { collect } from './api/exec.js';
import {
  type CreateOptions,
  DEFAULT_CACHED_GUESTS,
  type PullOptions,
  type RuntimeExecOptions,
  type RuntimeExecResult,
  type RuntimeOptions,
} from './api/options.js';
import type { RunTarget } from './api/program.js';
import { pull } from './api/pull.js';
import { MemoryComponentCache } from './component/cache.js';
import { MemoryStore } from './content/memory.js';
import type { ImageRecord, Store } from './content/store.js';
import { LruCache } from './core/lru.js';
import { RuntimeError } from './errors.js';
import { parseIsolation } from './isolation/limits.js';
import { createSharedDriver } from './isolation/shared.js';
import type { GuestComponent, GuestModule, IsolationDriver, IsolationMode } from './isolation/types.js';
import { createVmDriver } from './isolation/vm.js';
import { LayerTreeCache } from './unpack/cache.js';

export interface Runtime {
  /** Where this runtime keeps images. */
  readonly store: Store;
  /** Fetches an image (and its blobs, verified) into the store; returns its record. */
  pull(reference: string, options?: PullOptions): Promise<ImageRecord>;
  /** Images in the store. */
  images(): Promise<ImageRecord[]>;
  /**
   * A container in state `created`: pulled (per `pull` policy), unpacked and compiled, its root
   * ready for `container.fs`; `container.start()` runs it.
   */
  create(target: RunTarget, options?: CreateOptions): Promise<Container>;
  /** `create` then `start`: resolves once the guest has started; await `container.exit`. */
  run(target: RunTarget, options?: CreateOptions): Promise<Container>;
  /** Runs to the end and collects the output (as bytes and text). */
  exec(target: RunTarget, options?: RuntimeExecOptions): Promise<RuntimeExecResult>;
  /** Kills running containers and stops idle workers. The runtime is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Defaults (when the entry does not fill them in): a memory store, the global `fetch`, shared
 * isolation, no workers (vm refused), no watchdog (shared timeouts refused), no host mounts.
 */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const store = options.store ?? new MemoryStore();
  const emit = emitter(options.onEvent);
  const isolation: IsolationMode = options.isolation ? parseIsolation(options.isolation) : 'shared';
  const fetchFn = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  const layers = new LayerTreeCache({
    ...(options.cache?.layerBytes !== undefined ? { maxBytes: options.cache.layerBytes } : {}),
  });
  const modules = new LruCache<string, Promise<GuestModule | GuestComponent>>(
    options.cache?.guests ?? DEFAULT_CACHED_GUESTS,
  );
  const live = new Set<Container>();
  const drivers = new Map<IsolationMode, IsolationDriver>();
  let closed = false;

  const driver = (mode: IsolationMode): IsolationDriver => {
    let found = drivers.get(mode);
    if (found) return found;
    if (mode === 'vm') {
      if (!options.workers) {
        throw new RuntimeError('ERR_NOT_SUPPORTED', 'vm isolation needs a worker factory (options.workers)');
      }
      found = createVmDriver({ workers: options.workers, pool: options.pool ?? 0 });
    } else {
      found = createSharedDriver({
        ...(options.interrupter ? { interrupter: options.interrupter } : {}),
        ...(options.mountHost ? { mountHost: options.mountHost } : {}),
      });
    }
    drivers.set(mode, found);
    return found;
  };
  const open = (): void => {
    if (closed) throw new RuntimeError('ERR_CONFLICT', 'the runtime is closed');
  };
  const pullContext = {
    store,
    emit,
    ...(fetchFn ? { fetch: fetchFn } : {}),
    ...(options.registryHosts ? { registryHosts: options.registryHosts } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    ...(options.files ? { files: options.files } : {}),
  };
  const createEnv = {
    store,
    layers,
    isolation,
    driver,
    modules,
    emit,
    componentCache: options.componentCache ?? new MemoryComponentCache(),
    ...(options.mountHost ? { mountHost: options.mountHost } : {}),
    pull: (ref: Parameters<typeof pull>[1], pullOptions: PullOptions) => pull(pullContext, ref, pullOptions),
    track(container: Container) {
      live.add(container);
      return () => live.delete(container);
    },
  };
  const create = async (target: RunTarget, createOptions: CreateOptions = {}): Promise<Container> => {
    open();
    return createContainer(createEnv, target, createOptions);
  };
  const run = async (target: RunTarget, createOptions: CreateOptions = {}): Promise<Container> => {
    const container = await create(target, createOptions);
    container.start();
    return container;
  };

  return {
    store,
    pull: async (reference, pullOptions = {}) => {
      open();
      return pull(pullContext, reference, pullOptions);
    },
    images: () => store.listImages(),
    create,
    run,
    exec: async (target, execOptions = {}) => {
      const container = await run(target, { ...execOptions, stdout: 'pipe', stderr: 'pipe' });
      return collect(container, execOptions.signal);
    },
    async close() {
      closed = true;
      for (const container of live) container.kill('SIGKILL');
      await Promise.allSettled([...live].map((c) => c.exit));
      await Promise.all([...drivers.values()].map((d) => d.close()));
    },
  };
}

export type { Container, ContainerState } from './api/container.js';
export type { ContainerFs, FileStat } from './api/container-fs.js';
export type { RuntimeEvent } from './api/events.js';
export type { VolumeLike } from './api/memfs-volume.js';
export type { Mount, ObjectTree } from './api/mounts.js';
export type {
  CreateOptions,
  ExitStatus,
  OutputOption,
  PullOptions,
  PullPolicy,
  RunOptions,
  RuntimeExecOptions,
  RuntimeExecResult,
  RuntimeOptions,
  StdinOption,
} from './api/options.js';
export type { RunTarget } from './api/program.js';
