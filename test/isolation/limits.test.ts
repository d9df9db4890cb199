// Parsing of the isolation flags' values.

import { describe, expect, it } from 'vitest';
import { parseDuration, parseIsolation, parseSize } from '../../runtime/isolation/limits.js';

describe('isolation flag values', () => {
  it('accepts the modes and their docker aliases', () => {
    expect(['shared', 'process', 'vm', 'hyperv', 'VM'].map(parseIsolation)).toEqual([
      'shared',
      'shared',
      'vm',
      'vm',
      'vm',
    ]);
    expect(() => parseIsolation('container')).toThrow(/invalid isolation "container"/);
  });

  it('parses sizes in binary units', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize('64m')).toBe(64 * 1024 * 1024);
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(() => parseSize('lots')).toThrow(/invalid size "lots"/);
  });

  it('parses durations; a bare number is seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('3')).toBe(3000);
    expect(() => parseDuration('0s')).toThrow(/positive/);
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
  });
});
