// wasi:clocks/monotonic-clock and wasi:clocks/wall-clock over the run's Clock (nanoseconds).

import type { ComponentHost } from '../host.js';
import { Pollable } from './io-poll.js';

export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}

const NS = 1_000_000_000n;

export function toDatetime(ns: bigint): Datetime {
  return { seconds: ns / NS, nanoseconds: Number(ns % NS) };
}

export function fromDatetime(time: Datetime): bigint {
  return time.seconds * NS + BigInt(time.nanoseconds);
}

export function monotonicClock(host: ComponentHost): Record<string, unknown> {
  const clock = host.clock;
  return {
    now: (): bigint => clock.monotonic(),
    resolution: (): bigint => clock.resolution,
    subscribeInstant: (when: bigint): Pollable => new Pollable({ clock, at: when }),
    subscribeDuration: (duration: bigint): Pollable =>
      new Pollable({ clock, at: clock.monotonic() + duration }),
  };
}

export function wallClock(host: ComponentHost): Record<string, unknown> {
  return {
    now: (): Datetime => toDatetime(host.clock.realtime()),
    resolution: (): Datetime => toDatetime(host.clock.resolution),
  };
}
