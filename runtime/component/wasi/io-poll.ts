// wasi:io/poll: pollables are either always ready (our streams never make a guest wait: reads
// block inside the call) or ready at a monotonic-clock deadline.

import type { Clock } from '../../core/clock.js';
import { sleepMs } from '../../wasi/sleep.js';
import { trap } from '../failure.js';

export class Pollable {
  readonly #clock: Clock | undefined;
  /** Monotonic nanoseconds; undefined means always ready. */
  readonly #deadline: bigint | undefined;

  constructor(deadline?: { clock: Clock; at: bigint }) {
    this.#clock = deadline?.clock;
    this.#deadline = deadline?.at;
  }

  ready(): boolean {
    return this.#deadline === undefined || this.#clock!.monotonic() >= this.#deadline;
  }

  block(): void {
    if (this.#deadline === undefined) return;
    const clock = this.#clock!;
    for (
      let wait = this.#deadline - clock.monotonic();
      wait > 0n;
      wait = this.#deadline - clock.monotonic()
    ) {
      sleepMs(Number(wait) / 1e6);
    }
  }

  /** Monotonic nanoseconds until the pollable is ready (0n when it is). */
  static remaining(pollable: Pollable): bigint {
    if (pollable.#deadline === undefined) return 0n;
    const left = pollable.#deadline - pollable.#clock!.monotonic();
    return left > 0n ? left : 0n;
  }
}

/** Blocks until at least one pollable is ready; returns the indices of the ready ones. */
export function poll(pollables: Pollable[]): Uint32Array {
  if (pollables.length === 0) trap('wasi:io/poll#poll: the list of pollables is empty');
  for (;;) {
    const ready: number[] = [];
    let soonest: bigint | undefined;
    pollables.forEach((p, i) => {
      const left = Pollable.remaining(p);
      if (left === 0n) ready.push(i);
      else if (soonest === undefined || left < soonest) soonest = left;
    });
    if (ready.length > 0) return Uint32Array.from(ready);
    sleepMs(Number(soonest) / 1e6);
  }
}

export function ioPoll(): Record<string, unknown> {
  return { Pollable, poll };
}
