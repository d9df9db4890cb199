// The new verbs through the real `wasmbox` command: build, tag, push, save, load, with their
// output and exit statuses, against a real registry.

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloWasm, repoRoot } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { cleanup, makeContext, temp } from './helpers.js';

const runTool = promisify(execFile);
const bin = join(repoRoot, 'bin', 'wasmbox.cjs');
const home = join(temp, 'home');
let registry: TestRegistry;

function wasmbox(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, WASMBOX_HOME: home, DOCKER_CONFIG: join(home, 'docker'), ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  registry = await startRegistry('anonymous');
});
afterAll(async () => {
  await registry.stop();
  cleanup();
});

const committedHello = JSON.parse(readFileSync(join(repoRoot, 'images', 'hello', 'index.json'), 'utf8'))
  .manifests[0].digest as string;

describe('wasmbox build, tag, push, save, load', () => {
  it('build gives the committed digest; tag, push, save, rmi, load round-trip', async () => {
    const built = await wasmbox([
      'build',
      '-f',
      join(repoRoot, 'images', 'src', 'hello', 'Containerfile'),
      '-t',
      'localhost/cli/hello:v1',
      join(repoRoot, 'images', 'wasm'),
    ]);
    expect(built.stderr).toContain('[2/4] COPY --chmod=755 hello.wasm /');
    expect(built.stderr).toContain('Successfully tagged localhost/cli/hello:v1');
    expect(built).toMatchObject({ code: 0, stdout: `${committedHello}\n` });
    // SOURCE_DATE_EPOCH from the environment changes the digest.
    const dated = await wasmbox(
      [
        'build',
        '-q',
        '-f',
        join(repoRoot, 'images', 'src', 'hello', 'Containerfile'),
        '-t',
        'localhost/cli/dated',
        join(repoRoot, 'images', 'wasm'),
      ],
      { SOURCE_DATE_EPOCH: '86400' },
    );
    expect(dated.stderr).toBe('');
    expect(dated.code).toBe(0);
    expect(dated.stdout.trim()).not.toBe(committedHello);

    const remote = `${registry.host}/cli/hello:v2`;
    expect((await wasmbox(['tag', 'localhost/cli/hello:v1', remote])).code).toBe(0);
    const pushed = await wasmbox(['push', remote]);
    expect(pushed).toMatchObject({ code: 0, stdout: `${remote}: digest: ${committedHello} size: 456\n` });
    expect(pushed.stderr).toMatch(/: Pushed\n/);
    const again = await wasmbox(['push', remote]);
    expect(again.stderr).toMatch(/: Layer already exists\n/);
    const inspect = JSON.parse(
      (await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${remote}`])).stdout,
    );
    expect(inspect.Digest).toBe(committedHello);

    const archive = join(temp, 'cli.tar');
    expect((await wasmbox(['save', '-o', archive, 'localhost/cli/hello:v1', remote])).code).toBe(0);
    const skopeo = JSON.parse((await runTool('skopeo', ['inspect', `oci-archive:${archive}:v1`])).stdout);
    expect(skopeo.Digest).toBe(committedHello);
    expect((await wasmbox(['rmi', 'localhost/cli/hello:v1', remote])).code).toBe(0);
    const loaded = await wasmbox(['load', '-i', archive]);
    expect(loaded).toMatchObject({
      code: 0,
      stdout: `Loaded image: localhost/cli/hello:v1\nLoaded image: ${remote}\n`,
    });
    const images = await wasmbox(['images', '--format', 'json']);
    expect(images.stdout).toContain('"repository":"localhost/cli/hello","tag":"v1"');

    const layout = join(temp, 'cli-layout');
    expect((await wasmbox(['save', '--layout', '-o', layout, 'localhost/cli/hello:v1'])).code).toBe(0);
    expect(readFileSync(join(layout, 'index.json'), 'utf8')).toContain(committedHello);
  });

  it('build --format artifact from a context that is one module', async () => {
    const context = makeContext({ 'app.wasm': helloWasm });
    const built = await wasmbox([
      'build',
      '-q',
      '--format',
      'artifact',
      '-t',
      'localhost/cli/artifact:v0',
      context,
    ]);
    expect(built.code).toBe(0);
    const inspect = JSON.parse((await wasmbox(['inspect', 'localhost/cli/artifact:v0'])).stdout);
    expect(inspect).toMatchObject({
      packaging: 'wasm-artifact',
      platform: 'wasip1/wasm',
      digest: built.stdout.trim(),
    });
  });

  it('reports bad Containerfiles and missing sources with the line, exit 125/127', async () => {
    const context = makeContext({ 'app.wasm': helloWasm });
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nRUN make\n');
    const refused = await wasmbox(['build', '-t', 'x', context]);
    expect(refused.code).toBe(125);
    expect(refused.stderr).toBe(
      'wasmbox: Containerfile:2: RUN is not supported by wasmbox build: a wasm image has no shell or OS to run commands in; build the files outside and COPY them [ERR_NOT_SUPPORTED]\n',
    );
    writeFileSync(join(context, 'Containerfile'), 'FROM scratch\nCOPY app.wasm /\nCOPY lib/ /lib/\n');
    const missing = await wasmbox(['build', '-q', '-t', 'x', context]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe(
      'wasmbox: Containerfile:3: COPY: lib/: no such file or directory in the build context [ERR_NOT_FOUND]\n',
    );
    const noTag = await wasmbox(['build', context]);
    expect(noTag).toMatchObject({
      code: 125,
      stderr: 'wasmbox: wasmbox build needs a name: -t NAME[:TAG] [ERR_INVALID_ARGUMENT]\n',
    });
  });
});
