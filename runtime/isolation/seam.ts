// The platform seams the isolation drivers are built on: how to spawn a worker, the worker's end
// of the channel, how to interrupt a guest running in the caller's thread, how to mount a host dir.

import type { DirNode } from '../vfs/types.js';
import type { HostToWorker, WorkerToHost } from './protocol.js';

/** The host's handle on one worker (Node: worker_threads; browsers: a Web Worker). */
export interface HostWorker {
  post(message: HostToWorker): void;
  /** The one listener for messages; a recycled worker changes hands, so it is replaced, not added. */
  listen(listener: ((message: WorkerToHost) => void) | undefined): void;
  /** Called once if the worker dies on its own (uncaught error, out of memory, exit). */
  onFailure(listener: (error: Error) => void): void;
  /** Stops the worker wherever it is, even in an endless loop; resolves when it is gone. */
  terminate(): Promise<void>;
  /** Whether this worker keeps the host process alive (an idle pooled worker should not). */
  hold(held: boolean): void;
}

export interface WorkerFactory {
  spawn(): HostWorker;
}

/** The worker's end of the channel. */
export interface WorkerPort {
  post(message: WorkerToHost, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: HostToWorker) => void): void;
}

export interface InterruptLimits {
  timeoutMs?: number;
  /** Also stop on the platform's interrupt (Node: SIGINT, i.e. Ctrl-C). */
  breakOnInterrupt?: boolean;
}

/**
 * Runs a call on the caller's thread with a watchdog. Throws RuntimeError ERR_TIMEOUT or
 * ERR_INTERRUPTED when it stopped the call; anything the call throws passes through.
 */
export interface Interrupter {
  run(fn: () => void, limits: InterruptLimits): void;
}

/** Mounts a host directory as a VFS directory node (throws FsError when it cannot). */
export type MountHost = (hostPath: string, options: { readOnly: boolean }) => DirNode;

/** What a worker's platform gives the worker side. */
export interface WorkerPlatform {
  mountHost?: MountHost;
}
