// The browser entry of wasmbox: the kernel and engine with no node:* anywhere in its graph, and
// `createRuntime` with the browser's defaults (memory or IndexedDB store, the page's fetch through
// a registry host table, Web Workers for vm isolation).

import type { RuntimeOptions } from './api/options.js';
import { MemoryStore } from './content/memory.js';
import { IdbStore } from './platform/browser/idb-store.js';
import { browserWorkerFactory } from './platform/browser/worker.js';
import { createRuntime as createCoreRuntime, type Runtime } from './runtime.js';

export { Container } from './api/container.js';
export { mountVolume } from './api/memfs-volume.js';
export { treeDir } from './api/mounts.js';
export { buildRootfs, type MountSpec, type Rootfs, type RootfsSpec } from './container/rootfs.js';
export { MemoryStore } from './content/memory.js';
export type { ImageRecord, Store } from './content/store.js';
export { type Clock, systemClock } from './core/clock.js';
export { detectWasm, type WasmKind } from './engine/detect.js';
export { type ExecOptions, type ExecResult, execWasm } from './engine/exec.js';
export { checkModule, type RunResult, runModule, TRAP_STATUS } from './engine/run.js';
export { type ErrorCode, ErrorCodes, isRuntimeError, RuntimeError } from './errors.js';
export type { PullEvent } from './image/pull.js';
export { IdbStore, type IdbStoreOptions } from './platform/browser/idb-store.js';
export { httpLayoutFiles } from './platform/browser/layout-files.js';
export { type BrowserWorkerOptions, browserWorkerFactory } from './platform/browser/worker.js';
export type * from './runtime.js';
export { MemDir, MemFile, MemFs, MemSymlink } from './vfs/mem.js';
export type { DirNode, FileHandle, FileNode, NodeStat, SymlinkNode, VNode } from './vfs/types.js';
export { FsError } from './vfs/types.js';
export { type KernelOptions, type Preopen, Preview1 } from './wasi/preview1.js';
export {
  type ByteSink,
  type ByteSource,
  bytesSource,
  CollectSink,
  callbackSink,
  discardSink,
  emptySource,
} from './wasi/stdio.js';

export interface BrowserRuntimeOptions extends RuntimeOptions {
  /** Where images live when no `store` is given: 'memory' (default) or 'indexeddb'. */
  storage?: 'memory' | 'indexeddb';
  /** The IndexedDB database name. Default 'wasmbox'. */
  databaseName?: string;
}

/**
 * A runtime for a page. Defaults: images in memory (or IndexedDB), the page's `fetch` (set
 * `registryHosts` to reach registries through a CORS proxy or mirror), shared isolation without
 * timeouts (a page's main thread cannot be preempted: use vm for timeouts), vm isolation in module
 * Web Workers (the page must be cross-origin isolated), no host directories.
 */
export function createRuntime(options: BrowserRuntimeOptions = {}): Runtime {
  const store =
    options.store ??
    (options.storage === 'indexeddb'
      ? new IdbStore(options.databaseName ? { name: options.databaseName } : {})
      : new MemoryStore());
  return createCoreRuntime({ ...options, store, workers: options.workers ?? browserWorkerFactory() });
}
