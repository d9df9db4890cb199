// A registry over HTTPS with a private CA (Debian's docker-registry with TLS, on 127.0.0.2): pulls
// through the library and the CLI trust the CA when told ($WASMBOX_REGISTRY_CA, --ca-file);
// without it they fail at once (no retries) with ERR_NETWORK naming the certificate problem.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeFetch } from '../../runtime/platform/node/images.js';
import { helloParts, pushFixtures, repoRoot } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const run = promisify(execFile);
const hello = helloParts();
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-tls-'));
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry('anonymous', { tls: true });
  await pushFixtures(registry, ['hello']);
});
afterAll(async () => {
  await registry.stop();
  rmSync(temp, { recursive: true, force: true });
});

describe('a registry over HTTPS with a private CA', () => {
  it('the library pulls when the CA is given, and refuses at once when it is not', async () => {
    const image = `${registry.host}/hello:latest`;
    const trusting = await nodeFetch({ WASMBOX_REGISTRY_CA: registry.caFile });
    const record = await pullImage(image, { store: new MemoryStore(), fetch: trusting });
    expect(record.digest).toBe(hello.manifest.digest);

    const plain = await nodeFetch({});
    const urls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      urls.push(String(input));
      return plain(input, init);
    };
    await expect(pullImage(image, { store: new MemoryStore(), fetch: counting })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
      message: expect.stringMatching(/TLS certificate is not trusted \([A-Z_]+\); give its CA/),
    });
    expect(urls).toEqual([`https://${registry.host}/v2/hello/manifests/latest`]);
  });

  it('wasmbox pull --ca-file', async () => {
    const home = join(temp, 'home');
    const env = { ...process.env, WASMBOX_HOME: home };
    const bin = join(repoRoot, 'bin', 'wasmbox.cjs');
    const image = `${registry.host}/hello:latest`;
    const { stdout } = await run(
      process.execPath,
      [bin, 'pull', '-q', '--ca-file', registry.caFile!, image],
      {
        env,
      },
    );
    expect(stdout).toBe(`${image}\n`);
    const refused = await run(process.execPath, [bin, 'pull', '-q', image], { env }).catch((e) => e);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toMatch(/TLS certificate is not trusted.*\[ERR_NETWORK\]/);
  });
});
