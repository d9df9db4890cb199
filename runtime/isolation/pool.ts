// Warm workers for the vm driver: spawned ahead so a start skips the worker's boot; with recycling,
// a worker whose container ended cleanly serves the next container (one container at a time).

import type { WorkerToHost } from './protocol.js';
import type { HostWorker, WorkerFactory } from './seam.js';

export interface PooledWorker {
  readonly worker: HostWorker;
  /** Resolves once the worker has booted and said 'ready'. */
  readonly ready: Promise<void>;
  /** Where this worker's messages and failure go while it serves a container. */
  owner: { message(message: WorkerToHost): void; failure(error: Error): void } | undefined;
}

export class WorkerPool {
  private readonly idle: PooledWorker[] = [];
  private closed = false;

  /** `size`: idle workers kept warm; `recycle`: reuse a worker after a clean exit. */
  constructor(
    private readonly factory: WorkerFactory,
    private readonly size: number,
    readonly recycle: boolean,
  ) {
    this.fill();
  }

  /** A worker for one container: a warm one when there is one, else a new (cold) one. */
  acquire(): PooledWorker {
    const pooled = this.idle.shift() ?? this.spawn();
    pooled.worker.hold(true);
    if (!this.recycle) this.fill();
    return pooled;
  }

  /** The container ended cleanly: keep the worker warm if there is room, else stop it. */
  release(pooled: PooledWorker): void {
    pooled.owner = undefined;
    if (!this.recycle || this.closed || this.idle.length >= this.size) {
      void pooled.worker.terminate();
      return;
    }
    pooled.worker.hold(false);
    this.idle.push(pooled);
  }

  /** The worker was killed or broke: stop it and spawn a warm replacement. */
  async discard(pooled: PooledWorker): Promise<void> {
    pooled.owner = undefined;
    const gone = pooled.worker.terminate();
    this.fill();
    await gone;
  }

  /** Resolves when every idle worker has booted. */
  async warm(): Promise<void> {
    // Idle workers do not keep the process alive; while someone waits for them to boot, they must.
    const booting = [...this.idle];
    for (const p of booting) p.worker.hold(true);
    await Promise.all(booting.map((p) => p.ready));
    for (const p of booting) if (this.idle.includes(p)) p.worker.hold(false);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((p) => p.worker.terminate()));
  }

  private fill(): void {
    while (!this.closed && this.idle.length < this.size) {
      const pooled = this.spawn();
      pooled.worker.hold(false);
      this.idle.push(pooled);
    }
  }

  private spawn(): PooledWorker {
    const worker = this.factory.spawn();
    let booted!: () => void;
    let isReady = false;
    const pooled: PooledWorker = {
      worker,
      ready: new Promise<void>((resolve) => {
        booted = resolve;
      }),
      owner: undefined,
    };
    worker.listen((message) => {
      if (message.type === 'ready') {
        isReady = true;
        booted();
      } else pooled.owner?.message(message);
    });
    worker.onFailure((error) => {
      const index = this.idle.indexOf(pooled);
      if (index >= 0) {
        this.idle.splice(index, 1);
        // A worker that dies before booting would die again: no respawn loop.
        if (isReady) this.fill();
      }
      pooled.owner?.failure(error);
    });
    return pooled;
  }
}
