// runtime.pull against a real registry (Debian's docker-registry on loopback): typed progress, the
// registry host table (through a loopback proxy), credentials, and an abort in the middle of a blob
// that leaves no blob, ingest file or image record behind.

import { execFile } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullEvent } from '../../runtime/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry, testUser } from '../helpers/registry.js';
import { nodeEnv, repoRoot } from './node-env.js';

const run = promisify(execFile);
let registry: TestRegistry;
let secured: TestRegistry;
let proxy: FaultProxy;
const homes: string[] = [];

async function push(target: TestRegistry, name: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--quiet',
    ...target.skopeoDest,
    `oci:${join(repoRoot, 'images', name)}:latest`,
    `docker://${target.host}/${name}:latest`,
  ]);
}

function env() {
  const e = nodeEnv();
  homes.push(e.home);
  return e;
}

beforeAll(async () => {
  [registry, secured] = await Promise.all([startRegistry('anonymous'), startRegistry('basic')]);
  await Promise.all([push(registry, 'hello'), push(registry, 'layered'), push(secured, 'hello')]);
  proxy = await startFaultProxy(registry.host);
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([registry?.stop(), secured?.stop()]);
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe('runtime.pull', () => {
  it('pulls through the registry host table with typed progress, then runs the image', async () => {
    const e = env();
    const rt = e.createRuntime({ registryHosts: { [registry.host]: `http://${proxy.host}` } });
    try {
      proxy.log.length = 0;
      const events: PullEvent[] = [];
      const record = await rt.pull(`${registry.host}/layered:latest`, {
        onProgress: (ev) => events.push(ev),
      });
      expect(record.name).toBe(`${registry.host}/layered:latest`);
      expect(events.find((ev) => ev.type === 'resolved')).toMatchObject({ platform: 'wasip1/wasm' });
      const done = events.filter((ev) => ev.type === 'blob' && ev.status === 'done');
      expect(done.length).toBeGreaterThan(2);
      // Every request went to the proxy, none straight to the registry.
      expect(proxy.log.some((r) => r.path.startsWith('/v2/layered/blobs/'))).toBe(true);
      const result = await rt.exec(`${registry.host}/layered:latest`, { pull: 'never', args: ['/'] });
      expect(result.code).toBe(0);
    } finally {
      await rt.close();
    }
  });

  it('an abort in the middle of a blob leaves no blob, ingest file or record behind', async () => {
    const e = env();
    const rt = e.createRuntime({ registryHosts: { [registry.host]: `http://${proxy.host}` } });
    const controller = new AbortController();
    proxy.rule = (req) =>
      req.url?.includes('/blobs/') && req.method === 'GET' ? { kind: 'stall', afterBytes: 100 } : undefined;
    try {
      const started = Date.now();
      const pulling = rt.pull(`${registry.host}/layered:latest`, {
        signal: controller.signal,
        onProgress: (ev) => {
          if (ev.type === 'bytes') controller.abort();
        },
      });
      await expect(pulling).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(Date.now() - started).toBeLessThan(5000);
      const store = join(e.home, 'images');
      expect(readdirSync(join(store, 'ingest'))).toEqual([]);
      const blobs = await rt.store.list();
      // Only blobs verified before the abort (the config) may be there, each complete.
      for (const blob of blobs) expect((await rt.store.read(blob.digest)).length).toBe(blob.size);
      expect(blobs.length).toBeLessThan(3);
      expect(await rt.images()).toEqual([]);
    } finally {
      proxy.rule = undefined;
      await rt.close();
    }
  });

  it('a pre-aborted pull makes no request at all', async () => {
    const rt = env().createRuntime({ registryHosts: { [registry.host]: `http://${proxy.host}` } });
    proxy.log.length = 0;
    await expect(
      rt.pull(`${registry.host}/hello:latest`, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    expect(proxy.log).toEqual([]);
    await rt.close();
  });

  it('credentials from a table per registry domain', async () => {
    const anonymous = env().createRuntime();
    await expect(anonymous.pull(`${secured.host}/hello:latest`)).rejects.toMatchObject({
      code: 'ERR_UNAUTHORIZED',
    });
    await anonymous.close();
    const rt = env().createRuntime({ credentials: { [secured.host]: testUser } });
    const result = await rt.exec(`${secured.host}/hello:latest`);
    expect(result.stdout).toBe('Hello from wasmbox!\n');
    await rt.close();
  });
});
