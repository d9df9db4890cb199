// The entry of a vm-isolation Web Worker: wires the worker's global scope into the platform-free
// worker side (runtime/isolation/worker-side.ts). Browsers have no host directories to mount.

import type { HostToWorker } from '../../isolation/protocol.js';
import type { WorkerPort } from '../../isolation/seam.js';
import { serveWorker } from '../../isolation/worker-side.js';

/** The part of DedicatedWorkerGlobalScope used here (the DOM lib types `self` as a Window). */
interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<HostToWorker>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const port: WorkerPort = {
  post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  onMessage: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
};
serveWorker(port, {});
