// Clocks the kernel offers the guest, in nanoseconds. CPU-time clocks are approximated by the
// monotonic clock: a JS host cannot measure one guest's CPU time.

export interface Clock {
  realtime(): bigint;
  monotonic(): bigint;
  /** Resolution in nanoseconds of each clock. */
  readonly resolution: bigint;
}

const originMs = Math.floor(performance.timeOrigin);
const originNs = BigInt(originMs) * 1_000_000n;
const originFraction = performance.timeOrigin - originMs;

function monotonicNs(): bigint {
  return BigInt(Math.round(performance.now() * 1e6));
}

export const systemClock: Clock = {
  realtime: () => originNs + BigInt(Math.round((originFraction + performance.now()) * 1e6)),
  monotonic: monotonicNs,
  resolution: 1000n,
};
