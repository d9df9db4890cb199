// Blocking sleep for the guest's thread: Atomics.wait where the platform allows it (Node, workers),
// a spin on the clock elsewhere (a browser's main thread forbids blocking waits).

let cell: Int32Array | undefined;

export function sleepMs(ms: number): void {
  if (ms <= 0) return;
  try {
    cell ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(cell, 0, 0, ms);
  } catch {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // spin: no blocking primitive on this thread
    }
  }
}
