// Spawns vm-isolation workers as module Web Workers: the browser side of the isolation driver's
// seam (runtime/platform/node/worker.ts is the Node side). Needs a cross-origin isolated page.

import type { HostToWorker, WorkerToHost } from '../../isolation/protocol.js';
import type { HostWorker, WorkerFactory } from '../../isolation/seam.js';

export interface BrowserWorkerOptions {
  /**
   * Makes one worker running worker-entry. Default: a module worker from `./worker-entry.js` next
   * to this module, written so that bundlers (Vite, esbuild, webpack) see and bundle the entry.
   */
  create?: () => Worker;
  /** Called with the number of live workers whenever it changes (for a diagram or a meter). */
  onCount?: (live: number) => void;
}

function defaultWorker(): Worker {
  // Kept as one literal expression: bundlers only recognise `new Worker(new URL('…', import.meta.url))`.
  return new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module', name: 'wasmbox-vm' });
}

export function browserWorkerFactory(options: BrowserWorkerOptions = {}): WorkerFactory {
  const create = options.create ?? defaultWorker;
  let live = 0;
  const count = (delta: number): void => {
    live += delta;
    options.onCount?.(live);
  };
  return {
    spawn: () => {
      const worker = new BrowserHostWorker(create(), () => count(-1));
      count(1);
      return worker;
    },
  };
}

class BrowserHostWorker implements HostWorker {
  readonly #worker: Worker;
  readonly #gone: () => void;
  #listener: ((message: WorkerToHost) => void) | undefined;
  #failure: ((error: Error) => void) | undefined;
  #ending = false;

  constructor(worker: Worker, gone: () => void) {
    this.#worker = worker;
    this.#gone = gone;
    worker.onmessage = (event: MessageEvent<WorkerToHost>) => this.#listener?.(event.data);
    // A Web Worker has no exit event: a script that fails to load or throws uncaught reports here.
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(event.message || 'the worker script failed to load'));
    };
    worker.onmessageerror = () => this.#fail(new Error('a message from the worker could not be read'));
  }

  #fail(error: Error): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#worker.terminate();
    this.#gone();
    this.#failure?.(error);
  }

  post(message: HostToWorker): void {
    this.#worker.postMessage(message);
  }

  listen(listener: ((message: WorkerToHost) => void) | undefined): void {
    this.#listener = listener;
  }

  onFailure(listener: (error: Error) => void): void {
    this.#failure = listener;
  }

  async terminate(): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    // Immediate in every browser: the worker's thread stops wherever it is, even in Atomics.wait.
    this.#worker.terminate();
    this.#gone();
  }

  hold(_held: boolean): void {
    // A page has no event loop references to keep alive: nothing to do.
  }
}
