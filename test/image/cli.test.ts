// The image verbs end to end through the built `wasmbox` command: login, pull, images, inspect,
// rmi, image prune, logout, against a real registry; and a pull killed half-way.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigLayer, helloParts, pushFixtures, repoRoot } from '../fixtures/images.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const bin = join(repoRoot, 'bin', 'wasmbox.cjs');
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-cli-'));
const hello = helloParts();
let registry: TestRegistry;
let anon: TestRegistry;
let proxy: FaultProxy;

function wasmbox(
  args: string[],
  home: string,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, WASMBOX_HOME: home, DOCKER_CONFIG: join(home, 'docker') } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

beforeAll(async () => {
  [registry, anon] = await Promise.all([startRegistry('basic'), startRegistry('anonymous')]);
  await Promise.all([pushFixtures(registry, ['hello', 'artifact']), pushFixtures(anon, ['hello', 'big'])]);
  proxy = await startFaultProxy(anon.host);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), registry.stop(), anon.stop()]);
  rmSync(temp, { recursive: true, force: true });
});

describe('wasmbox image verbs', () => {
  it('login, pull, images, inspect, rmi, image prune, logout', async () => {
    const home = join(temp, 'home1');
    const image = `${registry.host}/hello:latest`;
    const denied = await wasmbox(['pull', '-q', image], home);
    expect(denied.code).toBe(125);
    expect(denied.stderr).toMatch(/wants a login.*\[ERR_UNAUTHORIZED\]/);

    const badLogin = await wasmbox(
      ['login', '-u', registry.user.username, '--password-stdin', registry.host],
      home,
      'wrong\n',
    );
    expect(badLogin.code).toBe(125);
    const login = await wasmbox(
      ['login', '-u', registry.user.username, '--password-stdin', registry.host],
      home,
      `${registry.user.password}\n`,
    );
    expect(login).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });
    const config = JSON.parse(readFileSync(join(home, 'docker', 'config.json'), 'utf8'));
    expect(Object.keys(config.auths)).toEqual([registry.host]);

    const pull = await wasmbox(['pull', image], home);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toBe(`${image}\n`);
    expect(pull.stderr).toContain(`${hello.layer.digest.slice(7, 19)}: Pull complete`);
    expect(pull.stderr).toContain(`Digest: ${hello.manifest.digest}`);
    expect((await wasmbox(['pull', '--quiet', `${registry.host}/artifact:v0`], home)).stderr).toBe('');

    const images = await wasmbox(['images'], home);
    const lines = images.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+SIZE\s+CREATED$/);
    expect(lines.find((l) => l.startsWith(`${registry.host}/hello `))).toMatch(
      new RegExp(
        `latest\\s+${hello.manifest.digest.slice(7, 19)}\\s+\\d+(\\.\\d+)?kB\\s+(Less than a minute|\\d+ \\w+) ago`,
      ),
    );
    expect(lines).toHaveLength(3);

    const inspect = JSON.parse((await wasmbox(['inspect', image], home)).stdout);
    expect(inspect).toMatchObject({
      digest: hello.manifest.digest,
      platform: 'wasip1/wasm',
      packaging: 'image',
      config: { os: 'wasip1' },
    });
    expect(inspect.manifest.layers[0].digest).toBe(hello.layer.digest);
    const artifact = JSON.parse((await wasmbox(['inspect', `${registry.host}/artifact:v0`], home)).stdout);
    expect(artifact.packaging).toBe('wasm-artifact');

    const rmi = await wasmbox(['rmi', image], home);
    expect(rmi.stdout).toContain(`Untagged: ${image}\nDeleted: `);
    expect((await wasmbox(['inspect', image], home)).code).toBe(127);
    const prune = await wasmbox(['image', 'prune'], home);
    expect(prune).toMatchObject({ code: 0, stdout: 'Total reclaimed space: 0B\n' });

    expect((await wasmbox(['logout', registry.host], home)).stdout).toBe(
      `Removing login credentials for ${registry.host}\n`,
    );
    expect(JSON.parse(readFileSync(join(home, 'docker', 'config.json'), 'utf8')).auths).toEqual({});
  });

  it('refuses an invalid reference before any network call', async () => {
    const result = await wasmbox(['pull', 'Hello/World'], join(temp, 'home2'));
    expect(result.code).toBe(125);
    expect(result.stderr).toBe(
      'wasmbox: invalid image reference "Hello/World": repository name must be lowercase [ERR_INVALID_ARGUMENT]\n',
    );
  });

  it('a pull killed half-way leaves no blob visible; the next pull continues where it stopped', async () => {
    const home = join(temp, 'home3');
    const layer = bigLayer();
    const layerPath = `/v2/big/blobs/${layer.digest}`;
    proxy.rule = (req) => (req.url === layerPath ? { kind: 'stall', afterBytes: 2 << 20 } : undefined);
    const child = spawn(process.execPath, [bin, 'pull', `${proxy.host}/big`], {
      env: { ...process.env, WASMBOX_HOME: home },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.once('exit', r));
    const ingest = join(home, 'images', 'ingest');
    const partial = () =>
      existsSync(ingest)
        ? readdirSync(ingest)
            .filter((name) => !name.endsWith('.owner'))
            .reduce((size, name) => size + statSync(join(ingest, name)).size, 0)
        : 0;
    // The first 1 MiB batch reaches the ingest file; the proxy holds the rest.
    for (let i = 0; i < 500 && partial() < 1 << 20; i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const blobs = readdirSync(join(home, 'images', 'blobs', 'sha256'));
    expect(blobs).not.toContain(layer.digest.slice(7));
    expect(JSON.parse(readFileSync(join(home, 'images', 'index.json'), 'utf8')).manifests).toEqual([]);
    const kept = partial();
    expect(kept).toBeGreaterThanOrEqual(1 << 20);
    // Its owner (the killed process) is gone: the next pull takes the ingest over and asks for the rest.
    proxy.rule = undefined;
    proxy.log.length = 0;
    const again = await wasmbox(['pull', '-q', `${proxy.host}/big`], home);
    expect(again.code).toBe(0);
    expect(proxy.log.filter((l) => l.path === layerPath).map((l) => l.range)).toEqual([`bytes=${kept}-`]);
    const file = readFileSync(join(home, 'images', 'blobs', 'sha256', layer.digest.slice(7)));
    expect(file.equals(layer.bytes)).toBe(true);
    expect(readdirSync(ingest)).toEqual([]);
  });

  it('four processes pulling into one store at once leave it consistent (skopeo reads it)', async () => {
    const home = join(temp, 'home-parallel');
    const images = [
      `${anon.host}/hello:latest`,
      `${anon.host}/hello:latest`,
      `${anon.host}/hello`,
      `${anon.host}/hello`,
    ];
    const results = await Promise.all(images.map((image) => wasmbox(['pull', '-q', image], home)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const index = JSON.parse(readFileSync(join(home, 'images', 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].digest).toBe(hello.manifest.digest);
    expect(readdirSync(join(home, 'images', 'ingest'))).toEqual([]);
    const { stdout } = await promisify(execFile)('skopeo', [
      'inspect',
      `oci:${join(home, 'images')}:${anon.host}/hello:latest`,
    ]);
    expect(JSON.parse(stdout).Digest).toBe(hello.manifest.digest);
  });

  it('on a terminal, pull and push draw a bar per blob and one for the total', async () => {
    const home = join(temp, 'home-bars');
    const env = { ...process.env, WASMBOX_HOME: home };
    /** `wasmbox ARGS` on a pseudo-terminal (`script`): what it drew, and its exit status. */
    const onTerminal = (...args: string[]) =>
      new Promise<{ code: number | null; screen: string }>((resolve) => {
        const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
        const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
        let screen = '';
        child.stdout.on('data', (d: Buffer) => {
          screen += d.toString();
        });
        child.once('close', (code) => resolve({ code, screen }));
      });
    const pulled = await onTerminal('pull', `${anon.host}/hello:latest`);
    expect(pulled.code).toBe(0);
    const layer = hello.layer.digest.slice(7, 19);
    expect(pulled.screen).toMatch(new RegExp(`${layer}: [█░]+ .*Pull complete`));
    expect(pulled.screen).toMatch(/total {7}: [█░]+/);
    expect(pulled.screen).toContain(`Digest: ${hello.manifest.digest}`);

    expect((await wasmbox(['tag', `${anon.host}/hello:latest`, `${anon.host}/copy:1`], home)).code).toBe(0);
    const pushed = await onTerminal('push', `${anon.host}/copy:1`);
    expect(pushed.code).toBe(0);
    // The registry has the blobs under hello: mounted, not uploaded.
    expect(pushed.screen).toMatch(new RegExp(`${layer}: [█░]+ .*(Mounted from hello|Layer already exists)`));
    expect(pushed.screen).toContain(`digest: ${hello.manifest.digest}`);
  });

  it('login on a terminal asks for what the flags leave out, the password without echo', async () => {
    const home = join(temp, 'home-tty');
    // `script` gives the command a pseudo-terminal; what it prints comes back on stdout.
    const command = [process.execPath, bin, 'login', registry.host].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, WASMBOX_HOME: home, DOCKER_CONFIG: join(home, 'docker') },
    });
    let screen = '';
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (screen.includes(text)) return resolve();
          if (child.exitCode !== null) reject(new Error(`exited before ${JSON.stringify(text)}: ${screen}`));
        };
        child.stdout.on('data', check);
        child.once('exit', check);
        check();
      });
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
    });
    await waitFor('Username: ');
    child.stdin.write(`${registry.user.username}\r`);
    await waitFor('Password: ');
    child.stdin.write(`${registry.user.password}\r`);
    await waitFor('Login Succeeded');
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(screen).toContain(`Username: ${registry.user.username}`);
    expect(screen).not.toContain(registry.user.password);
    const config = JSON.parse(readFileSync(join(home, 'docker', 'config.json'), 'utf8'));
    expect(Object.keys(config.auths)).toEqual([registry.host]);
  });
});
