// Test helper: the WASI conformance suite at ../shared/wasi-testsuite — where it is, its tests,
// and each test's spec (NAME.json: args, env, root, stdout, exit_code), per the suite's README.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SUITE = resolve(import.meta.dirname, '../../../shared/wasi-testsuite');

export const suitePresent = existsSync(SUITE);

export interface TestSpec {
  args?: string[];
  env?: Record<string, string>;
  root?: string;
  stdout?: string;
  exit_code?: number;
}

/** Every test module, as absolute paths, suite by suite in name order. */
export function listTests(): string[] {
  if (!suitePresent) return [];
  const out: string[] = [];
  for (const suite of readdirSync(SUITE).sort()) {
    const dir = join(SUITE, suite);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.wasm')) out.push(join(dir, f));
  }
  return out;
}

export function readSpec(wasmPath: string): TestSpec {
  const specPath = wasmPath.replace(/\.wasm$/, '.json');
  return existsSync(specPath) ? (JSON.parse(readFileSync(specPath, 'utf8')) as TestSpec) : {};
}
