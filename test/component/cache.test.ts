// Transpiles are cached by component digest: a second run (in this process, or in a new one
// reading the Node disk cache) does not transpile again.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ComponentCache, MemoryComponentCache } from '../../runtime/component/cache.js';
import { runComponent } from '../../runtime/component/run.js';
import type { TranspileOutput } from '../../runtime/component/transpile.js';
import type { Digest } from '../../runtime/core/digest.js';
import { NodeComponentCache, nodeComponentCache } from '../../runtime/platform/node/component-cache.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';
import { sampleComponent } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Counts the transpiles a real cache is asked to store. */
class Counting implements ComponentCache {
  puts = 0;
  constructor(readonly inner: ComponentCache) {}
  get(digest: Digest) {
    return this.inner.get(digest);
  }
  put(digest: Digest, output: TranspileOutput) {
    this.puts++;
    return this.inner.put(digest, output);
  }
}

async function hello(cache: ComponentCache): Promise<string> {
  const stdout = new CollectSink();
  const result = await runComponent(await sampleComponent('hello'), { args: ['hello', 'x'], stdout, cache });
  expect(result.exitCode).toBe(0);
  return stdout.text();
}

describe('component cache', () => {
  it('memory: the second run does not transpile', async () => {
    const cache = new Counting(new MemoryComponentCache());
    expect(await hello(cache)).toBe('Hello from wasmbox!\narg[1]=x\n');
    expect(await hello(cache)).toBe('Hello from wasmbox!\narg[1]=x\n');
    expect(cache.puts).toBe(1);
  });

  it('node disk: a new process (a new cache object) loads the stored entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmbox-cache-'));
    dirs.push(dir);
    const first = new Counting(new NodeComponentCache(dir));
    expect(await hello(first)).toBe('Hello from wasmbox!\narg[1]=x\n');
    expect(first.puts).toBe(1);
    const [entry, ...rest] = readdirSync(dir);
    expect(rest).toEqual([]);
    expect(entry).toMatch(/^[0-9a-f]{64}$/);
    const files = readdirSync(join(dir, entry!)).sort();
    expect(files).toContain('component.js');
    expect(files).toContain('meta.json');
    expect(files.filter((f) => f.endsWith('.wasm')).length).toBeGreaterThan(0);
    // The generated bindings no longer read the host's environment on every call.
    expect(readFileSync(join(dir, entry!, 'component.js'), 'utf8')).not.toContain('env?.JCO_DEBUG');

    const second = new Counting(new NodeComponentCache(dir));
    expect(await hello(second)).toBe('Hello from wasmbox!\narg[1]=x\n');
    expect(second.puts).toBe(0);
  });

  it('node disk: an entry from another transpile format is a miss, and is replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmbox-cache-'));
    dirs.push(dir);
    await hello(new NodeComponentCache(dir));
    const [entry] = readdirSync(dir);
    const metaPath = join(dir, entry!, 'meta.json');
    writeFileSync(
      metaPath,
      JSON.stringify({ ...JSON.parse(readFileSync(metaPath, 'utf8')), format: 'older' }),
    );
    const cache = new Counting(new NodeComponentCache(dir));
    expect(await hello(cache)).toBe('Hello from wasmbox!\narg[1]=x\n');
    expect(cache.puts).toBe(1);
  });

  it('nodeComponentCache lives under $WASMBOX_HOME/components', () => {
    expect(nodeComponentCache({ WASMBOX_HOME: '/srv/wb' }).dir).toBe('/srv/wb/components');
    expect(nodeComponentCache({ XDG_CACHE_HOME: '/c' }).dir).toBe('/c/wasmbox/components');
    expect(existsSync('/srv/wb')).toBe(false);
  });
});
