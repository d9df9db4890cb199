// Parsing of the isolation flags' values (mode, --memory SIZE, --timeout DURATION) into plain values.

import { RuntimeError } from '../errors.js';
import type { IsolationMode } from './types.js';

const MODES: Readonly<Record<string, IsolationMode>> = {
  shared: 'shared',
  process: 'shared',
  vm: 'vm',
  hyperv: 'vm',
};

/** `shared` (alias `process`) or `vm` (alias `hyperv`), docker's Windows spellings included. */
export function parseIsolation(text: string): IsolationMode {
  const mode = MODES[text.toLowerCase()];
  if (!mode) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `invalid isolation "${text}": use shared, process, vm or hyperv`,
    );
  }
  return mode;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes from docker-style sizes: 1048576, 512k, 64m, 1g, 64MiB (binary units). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)(?:i?b)?\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid size "${text}": use e.g. 64m, 512k, 1g`);
  }
  return Math.floor(Number(m[1]) * unit);
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from durations like 500ms, 2s, 1.5m, 1h; a bare number is seconds (like `timeout`). */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m)
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid duration "${text}": use e.g. 500ms, 2s, 1m`);
  const ms = Number(m[1]) * DURATION_UNITS[(m[2] ?? 's').toLowerCase()]!;
  if (ms <= 0) throw new RuntimeError('ERR_INVALID_ARGUMENT', `the duration must be positive: "${text}"`);
  return Math.ceil(ms);
}

/** The one line a timed-out container reports. */
export function timeoutMessage(timeoutMs: number): string {
  return `timeout: the container ran longer than ${formatMs(timeoutMs)} and was killed`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
