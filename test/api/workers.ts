// Test helper: wraps a WorkerFactory to count the workers alive (spawned, not yet terminated or
// dead), so a test can check that nothing is left running.

import type { HostWorker, WorkerFactory } from '../../runtime/isolation/seam.js';

export interface CountingFactory extends WorkerFactory {
  live(): number;
}

export function countingWorkers(base: WorkerFactory): CountingFactory {
  let live = 0;
  return {
    live: () => live,
    spawn(): HostWorker {
      const worker = base.spawn();
      live++;
      let gone = false;
      const end = () => {
        if (!gone) live--;
        gone = true;
      };
      return {
        post: (message) => worker.post(message),
        listen: (listener) => worker.listen(listener),
        onFailure: (listener) =>
          worker.onFailure((error) => {
            end();
            listener(error);
          }),
        terminate: async () => {
          await worker.terminate();
          end();
        },
        hold: (held) => worker.hold(held),
      };
    },
  };
}
