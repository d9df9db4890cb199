// Spawns vm-isolation workers with worker_threads: the Node side of the isolation driver's seam
// (a browser would implement the same WorkerFactory with Web Workers).

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { HostToWorker, WorkerToHost } from '../../isolation/protocol.js';
import type { HostWorker, WorkerFactory } from '../../isolation/seam.js';

export interface NodeWorkerOptions {
  /**
   * The worker's entry module. Default from dist: the bundle `dist/node-worker/entry.cjs` (see
   * scripts/build-worker.mjs), or worker-entry.js next to this file when the bundle is missing or
   * older than it; from the TypeScript sources: worker-entry.ts.
   */
  entry?: URL;
  /**
   * Node options of each worker. Default: the host's `process.execArgv` without module hooks
   * (`--import`, `--require`, `--loader`): the worker runs only wasmbox's own code, and a host
   * started through tsx would otherwise load tsx again in every worker (measured: +60 ms a boot).
   * A TypeScript-source entry keeps the host's options (it registers tsx itself).
   */
  execArgv?: string[];
  /**
   * V8 heap limits for each worker (JS heap only: guest memory is capped by --memory). Default: a
   * 2 MB young generation, which takes an idle worker from ~10 to ~7 MB RSS (measured, Node 20).
   */
  resourceLimits?: ResourceLimits;
}

function defaultEntry(): URL {
  // From the TypeScript sources (vitest, tsx) the entry is .ts and needs tsx's loader.
  if (import.meta.url.endsWith('.ts')) return new URL('./worker-entry.ts', import.meta.url);
  const modules = new URL('./worker-entry.js', import.meta.url);
  const bundle = new URL('../../../node-worker/entry.cjs', import.meta.url);
  // A bundle older than the compiled modules is stale (tsc ran without the bundler): not used.
  const built = (url: URL) => statSync(url, { throwIfNoEntry: false })?.mtimeMs;
  const bundled = built(bundle);
  return bundled !== undefined && bundled >= (built(modules) ?? 0) ? bundle : modules;
}

const MODULE_HOOKS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** `argv` without module hook options, in both spellings (`--import x` and `--import=x`). */
export function withoutModuleHooks(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (MODULE_HOOKS.has(arg)) i++;
    else if (!MODULE_HOOKS.has(arg.split('=', 1)[0]!)) kept.push(arg);
  }
  return kept;
}

/**
 * Node 20 does not apply `--import tsx` hooks to a worker's own entry, so a .ts entry is started
 * by a small eval'd script that registers tsx first (measured: ~150 ms per boot, tests only).
 */
function tsBootstrap(entry: URL): string {
  return `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** tsx's ESM API, found through its package's export map (its CJS build misresolves from a worker). */
function tsxApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const api = pkg.exports['./esm/api']?.import.default;
  if (!api) throw new Error('tsx has no ./esm/api export: cannot start a worker from TypeScript sources');
  return new URL(api, pathToFileURL(pkgPath)).href;
}

export function nodeWorkerFactory(options: NodeWorkerOptions = {}): WorkerFactory {
  const entry = options.entry ?? defaultEntry();
  const source = entry.pathname.endsWith('.ts') ? tsBootstrap(entry) : undefined;
  const workerOptions = {
    // Workers never inherit the host env: a guest's env is only what its spec says.
    env: {},
    resourceLimits: options.resourceLimits ?? { maxYoungGenerationSizeMb: 2 },
    ...(options.execArgv !== undefined
      ? { execArgv: options.execArgv }
      : source === undefined
        ? { execArgv: withoutModuleHooks(process.execArgv) }
        : {}),
  };
  return {
    spawn: () =>
      new NodeHostWorker(
        source === undefined
          ? new Worker(entry, workerOptions)
          : new Worker(source, { ...workerOptions, eval: true }),
      ),
  };
}

class NodeHostWorker implements HostWorker {
  readonly #worker: Worker;
  #listener: ((message: WorkerToHost) => void) | undefined;
  #failure: ((error: Error) => void) | undefined;
  #ending = false;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: WorkerToHost) => this.#listener?.(message));
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the worker exited with code ${code}`)));
  }

  #fail(error: Error): void {
    if (this.#ending) return;
    this.#ending = true;
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
    this.#ending = true;
    await this.#worker.terminate();
  }

  hold(held: boolean): void {
    if (held) this.#worker.ref();
    else this.#worker.unref();
  }
}
