// Benchmark cases: which sample .wasm to run with which arguments, and how to check its output.
import { createHash } from 'node:crypto';
import type { RunOutput } from './runners.js';

export interface BenchCase {
  name: string;
  wasm: string; // file name in images/wasm
  args: string[]; // argv including argv[0]
  amount: number; // work done per run, in `unit`s, for the per-unit column
  unit: 'MiB' | 'write';
  /** Returns a description of what is wrong with a run's output, or undefined if it is correct. */
  verify(out: RunOutput): string | undefined;
}

export interface CaseSizes {
  cpuMiB: number;
  ioMiB: [large: number, small: number];
  writes: number;
}

export const fullSizes: CaseSizes = { cpuMiB: 64, ioMiB: [64, 16], writes: 100_000 };
export const quickSizes: CaseSizes = { cpuMiB: 4, ioMiB: [8, 2], writes: 10_000 };

/** The SHA-256 cpubench.c prints: a 64 KiB LCG-filled block repeated mib * 16 times. */
export function expectedDigest(mib: number): string {
  const block = new Uint8Array(64 * 1024);
  let x = 1;
  for (let i = 0; i < block.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    block[i] = x >>> 24;
  }
  const hash = createHash('sha256');
  for (let i = 0; i < mib * 16; i++) hash.update(block);
  return hash.digest('hex');
}

function exitedZero(out: RunOutput): string | undefined {
  return out.exitCode === 0 ? undefined : `exit code ${out.exitCode}, stderr: ${out.stderr.trim()}`;
}

export function makeCases(sizes: CaseSizes): BenchCase[] {
  const digest = expectedDigest(sizes.cpuMiB);
  const writeRead = (mib: number): BenchCase => ({
    name: `io-write-read-${mib}mib`,
    wasm: 'iobench.wasm',
    args: ['iobench', 'write-read', '/data.bin', String(mib)],
    amount: mib,
    unit: 'MiB',
    verify: exitedZero,
  });
  return [
    {
      name: `cpu-sha256-${sizes.cpuMiB}mib`,
      wasm: 'cpubench.wasm',
      args: ['cpubench', String(sizes.cpuMiB)],
      amount: sizes.cpuMiB,
      unit: 'MiB',
      verify: (out) =>
        exitedZero(out) ?? (out.stdoutHead.trim() === digest ? undefined : `digest ${out.stdoutHead.trim()}`),
    },
    ...sizes.ioMiB.map(writeRead),
    {
      name: `small-writes-${sizes.writes}`,
      wasm: 'iobench.wasm',
      args: ['iobench', 'small-writes', '/small.bin', String(sizes.writes)],
      amount: sizes.writes,
      unit: 'write',
      verify: exitedZero,
    },
    {
      name: `stdout-bytes-${sizes.writes}`,
      wasm: 'iobench.wasm',
      args: ['iobench', 'stdout-bytes', String(sizes.writes)],
      amount: sizes.writes,
      unit: 'write',
      verify: (out) =>
        exitedZero(out) ??
        (out.stdoutBytes === sizes.writes
          ? undefined
          : `${out.stdoutBytes} stdout bytes, not ${sizes.writes}`),
    },
  ];
}
