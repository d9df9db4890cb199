// wasmbox build end to end in the library: images read by skopeo and umoci, runnable by the
// kernel, reproducible, the Containerfile subset (globs, .dockerignore, ADD archives, ARG/ENV,
// FROM a local image), the CNCF artifact, and refusals naming the line.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} here is Containerfile syntax, not a template

import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type BuildOptions, buildImage } from '../../runtime/build/build.js';
import type { Store } from '../../runtime/content/store.js';
import { MediaTypes } from '../../runtime/core/media-types.js';
import { runModule } from '../../runtime/engine/run.js';
import { loadImage } from '../../runtime/image/images.js';
import { nodeBuildContext } from '../../runtime/platform/node/build-context.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';
import { helloWasm } from '../fixtures/images.js';
import { cleanup, imageTree, makeContext, newStore, temp, text } from './helpers.js';

const run = promisify(execFile);
afterAll(cleanup);

const helloFile = 'FROM scratch\nCOPY --chmod=755 hello.wasm /\nWORKDIR /\nENTRYPOINT ["/hello.wasm"]\n';
const componentHeader = new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);

async function build(
  store: Store,
  context: string,
  containerfile: string | undefined,
  extra: Partial<BuildOptions> = {},
) {
  return buildImage({
    store,
    context: nodeBuildContext(context),
    ...(containerfile !== undefined ? { containerfile } : {}),
    tags: ['localhost/test/app:latest'],
    createHasher: nodeSha256,
    ...extra,
  });
}

async function config(store: Store, name = 'localhost/test/app:latest') {
  return (await loadImage(store, name)).config!;
}

describe('wasmbox build: an image', () => {
  it('skopeo inspects and copies it, umoci unpacks it, the kernel runs it', async () => {
    const store = newStore();
    const result = await build(store, makeContext({ 'hello.wasm': helloWasm }), helloFile);
    expect(result.platform).toBe('wasip1/wasm');
    const ref = `oci:${store.root}:localhost/test/app:latest`;
    const inspect = JSON.parse((await run('skopeo', ['inspect', ref])).stdout);
    expect(inspect).toMatchObject({ Digest: result.digest, Os: 'wasip1', Architecture: 'wasm' });
    const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', ref])).stdout);
    expect(raw.annotations).toEqual({ 'module.wasm.image/variant': 'compat' });
    expect(raw.layers).toHaveLength(1);

    const copy = join(temp, 'skopeo-copy');
    await run('skopeo', ['copy', '-q', ref, `oci:${copy}:copied`]);
    const index = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(result.digest);

    const unpacked = join(temp, 'umoci-unpack');
    await run('umoci', [
      'raw',
      'unpack',
      '--rootless',
      '--image',
      `${store.root}:localhost/test/app:latest`,
      unpacked,
    ]);
    expect(readFileSync(join(unpacked, 'hello.wasm')).equals(helloWasm)).toBe(true);
    expect(statSync(join(unpacked, 'hello.wasm')).mode & 0o777).toBe(0o755);
    expect(statSync(join(unpacked, 'hello.wasm')).mtimeMs).toBe(0);

    const fs = await imageTree(store, 'localhost/test/app:latest');
    const c = await config(store);
    expect(c.config).toEqual({ Entrypoint: ['/hello.wasm'], WorkingDir: '/' });
    const stdout = new CollectSink();
    const status = runModule(
      new WebAssembly.Module(fs.readFile(c.config!.Entrypoint![0]!)! as Uint8Array<ArrayBuffer>),
      {
        args: [...c.config!.Entrypoint!, 'from-image'],
        env: { GREETING: 'built' },
        stdout,
      },
    );
    expect(status.exitCode).toBe(0);
    expect(stdout.text()).toBe('Hello from wasmbox!\narg[1]=from-image\nGREETING=built\n');
  });

  it('is reproducible: same context, same digest; SOURCE_DATE_EPOCH changes it', async () => {
    const a = await build(newStore(), makeContext({ 'hello.wasm': helloWasm }), helloFile);
    const b = await build(newStore(), makeContext({ 'hello.wasm': helloWasm }), helloFile);
    expect(b.digest).toBe(a.digest);
    const store = newStore();
    const dated = await build(store, makeContext({ 'hello.wasm': helloWasm }), helloFile, {
      sourceDateEpoch: 1_700_000_000,
    });
    expect(dated.digest).not.toBe(a.digest);
    expect((await config(store)).created).toBe('2023-11-14T22:13:20Z');
    const layer = (await loadImage(store, 'localhost/test/app:latest')).layers[0]!;
    const listing = execFileSync('tar', ['--utc', '-tvzf', '-'], {
      input: await store.read(layer.digest),
    }).toString();
    expect(listing).toMatch(/^-rwxr-xr-x 0\/0 +25981 2023-11-14 22:13 hello\.wasm$/m);
  });

  it('COPY: globs, directories, .dockerignore, --chmod, symlinks, relative destinations', async () => {
    const store = newStore();
    const context = makeContext({
      'app.wasm': helloWasm,
      'data/a.txt': 'a',
      'data/sub/b.txt': 'b',
      'data/skip.log': 'log',
      'data/link': { symlink: 'a.txt' },
      'conf/one.conf': '1',
      'conf/two.conf': '2',
      'conf/readme.md': 'md',
      'secret.key': 'k',
      '.dockerignore': '*.key\ndata/*.log\n',
    });
    await build(
      store,
      context,
      [
        'FROM scratch',
        'WORKDIR /srv',
        'COPY data ./data/',
        'COPY conf/*.conf etc/',
        'COPY --chmod=700 app.wasm bin/app',
        'ENTRYPOINT ["/srv/bin/app"]',
      ].join('\n'),
    );
    const fs = await imageTree(store, 'localhost/test/app:latest');
    expect(fs.files()).toEqual([
      '/srv/bin/app',
      '/srv/data/a.txt',
      '/srv/data/sub/b.txt',
      '/srv/etc/one.conf',
      '/srv/etc/two.conf',
    ]);
    expect(fs.node('/srv/bin/app')?.stat().mode).toBe(0o700);
    expect(text(fs.readFile('/srv/data/link'))).toBe('a');
    expect((await loadImage(store, 'localhost/test/app:latest')).layers).toHaveLength(3);
    await expect(build(store, context, 'FROM scratch\n\nCOPY secret.key /\n')).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: 'Containerfile:3: COPY: secret.key is excluded by .dockerignore',
    });
  });

  it('ADD extracts tar, tar.gz and tar.zst archives and copies other files', async () => {
    const src = makeContext({ 'pkg/lib/x.txt': 'x', 'pkg/y.txt': 'y' });
    const tar = execFileSync('tar', ['-C', src, '--owner=7', '--group=7', '-cf', '-', 'pkg']);
    const context = makeContext({
      'a.tar': tar,
      'b.tar.gz': gzipSync(tar),
      'c.tar.zst': execFileSync('zstd', ['-q', '-c'], { input: tar }),
      'plain.txt': 'not an archive',
    });
    const store = newStore();
    await build(
      store,
      context,
      'FROM scratch\nADD a.tar /a/\nADD b.tar.gz /b\nADD c.tar.zst /c\nADD plain.txt /d/\n',
    );
    const fs = await imageTree(store, 'localhost/test/app:latest');
    for (const dir of ['a', 'b', 'c']) {
      expect(text(fs.readFile(`/${dir}/pkg/lib/x.txt`))).toBe('x');
      expect(text(fs.readFile(`/${dir}/pkg/y.txt`))).toBe('y');
    }
    expect(text(fs.readFile('/d/plain.txt'))).toBe('not an archive');
    await expect(
      build(store, context, 'FROM scratch\nADD https://example.com/x.tar /\n'),
    ).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      message: expect.stringMatching(/^Containerfile:2: ADD: https:\/\/example.com\/x.tar: ADD from a URL/),
    });
  });

  it('ARG, --build-arg, ENV, LABEL, shell-form CMD and FROM a local image', async () => {
    const store = newStore();
    const context = makeContext({ 'hello.wasm': helloWasm, 'extra.txt': 'extra' });
    await buildImage({
      store,
      context: nodeBuildContext(context),
      containerfile: [
        'ARG PROG=hello',
        'FROM scratch',
        'ARG PROG',
        'ARG VERSION=1',
        'ENV APP=/${PROG}.wasm GREETING="hi there"',
        'LABEL org.opencontainers.image.version=$VERSION',
        'COPY ${PROG}.wasm $APP',
        'ENTRYPOINT ["/hello.wasm"]',
        'CMD --flag "two words"',
      ].join('\n'),
      tags: ['localhost/test/base:v1'],
      buildArgs: { VERSION: '2' },
    });
    const base = await config(store, 'localhost/test/base:v1');
    expect(base.config).toEqual({
      Env: ['APP=/hello.wasm', 'GREETING=hi there'],
      Entrypoint: ['/hello.wasm'],
      Cmd: ['--flag', 'two words'],
      Labels: { 'org.opencontainers.image.version': '2' },
    });
    const derived = await build(
      store,
      context,
      'FROM localhost/test/base:v1\nENV GREETING=derived\nCOPY extra.txt /\nENTRYPOINT ["/hello.wasm", "x"]\n',
    );
    const image = await loadImage(store, 'localhost/test/app:latest');
    expect(image.layers).toHaveLength(2);
    expect(image.config?.config).toMatchObject({
      Env: ['APP=/hello.wasm', 'GREETING=derived'],
      Entrypoint: ['/hello.wasm', 'x'],
    });
    // A new ENTRYPOINT drops the CMD inherited from the base, as in docker.
    expect(image.config?.config?.Cmd).toBeUndefined();
    expect(derived.platform).toBe('wasip1/wasm');
    const fs = await imageTree(store, 'localhost/test/app:latest');
    expect(fs.files()).toEqual(['/extra.txt', '/hello.wasm']);
  });

  it('a component entrypoint gives wasip2/wasm', async () => {
    const store = newStore();
    const result = await build(
      store,
      makeContext({ 'c.wasm': componentHeader }),
      'FROM scratch\nCOPY c.wasm /\nENTRYPOINT ["/c.wasm"]\n',
    );
    expect(result.platform).toBe('wasip2/wasm');
    expect((await config(store)).os).toBe('wasip2');
  });
});

describe('wasmbox build --format artifact', () => {
  it('makes the CNCF wasm artifact from a context holding one module', async () => {
    const store = newStore();
    const result = await build(store, makeContext({ 'hello.wasm': helloWasm }), undefined, {
      format: 'artifact',
    });
    const image = await loadImage(store, 'localhost/test/app:latest');
    expect(image.packaging).toBe('wasm-artifact');
    expect(image.manifest.config.mediaType).toBe(MediaTypes.wasmConfigV0);
    expect(image.manifest.layers).toEqual([
      { mediaType: 'application/wasm', digest: image.wasm!.digest, size: helloWasm.length },
    ]);
    expect(Buffer.from(await store.read(image.wasm!.digest)).equals(helloWasm)).toBe(true);
    expect(image.config).toEqual({
      created: '1970-01-01T00:00:00Z',
      architecture: 'wasm',
      os: 'wasip1',
      layerDigests: [image.wasm!.digest],
    });
    const raw = JSON.parse(
      (await run('skopeo', ['inspect', '--raw', `oci:${store.root}:localhost/test/app:latest`])).stdout,
    );
    expect(raw.config.digest).toBe(image.manifest.config.digest);
    expect(result.platform).toBe('wasip1/wasm');
  });

  it('refuses what an artifact cannot hold', async () => {
    const store = newStore();
    const two = makeContext({ 'a.wasm': helloWasm, 'b.txt': 'b' });
    await expect(
      build(store, two, 'FROM scratch\nCOPY a.wasm b.txt /\n', { format: 'artifact' }),
    ).rejects.toThrow(/needs exactly one file, the module; the build made 2 \(\/a.wasm, \/b.txt\)/);
    await expect(
      build(store, two, 'FROM scratch\nCOPY a.wasm /\nENV A=1\n', { format: 'artifact' }),
    ).rejects.toThrow('Containerfile:3: --format artifact has no place for ENV');
  });
});

describe('wasmbox build: errors name the line', () => {
  const store = newStore();
  const context = makeContext({ 'hello.wasm': helloWasm, 'notes.txt': 'n' });
  const cases: [string, string, string][] = [
    [
      'FROM scratch\n# two\nCOPY missing.wasm /\n',
      'ERR_NOT_FOUND',
      'Containerfile:3: COPY: missing.wasm: no such file or directory in the build context',
    ],
    [
      'FROM scratch\nCOPY nope-*.wasm /\n',
      'ERR_NOT_FOUND',
      'Containerfile:2: COPY: no file in the build context matches nope-*.wasm',
    ],
    [
      'FROM scratch\nCOPY ../etc/passwd /\n',
      'ERR_INVALID_ARGUMENT',
      'Containerfile:2: COPY: ../etc/passwd is outside the build context',
    ],
    [
      'FROM scratch\nCOPY hello.wasm notes.txt /dest\n',
      'ERR_INVALID_ARGUMENT',
      'Containerfile:2: COPY: with more than one source the destination must be a directory ending in / (got /dest)',
    ],
    [
      'FROM scratch\nFROM scratch\n',
      'ERR_NOT_SUPPORTED',
      'Containerfile:2: a second FROM: multi-stage builds are not supported',
    ],
    [
      'FROM localhost/nothing:here\n',
      'ERR_NOT_FOUND',
      'Containerfile:1: FROM localhost/nothing:here: image localhost/nothing:here is not in the local store (pull it first)',
    ],
    [
      'FROM scratch\nCOPY --from=build /x /\n',
      'ERR_NOT_SUPPORTED',
      'Containerfile:2: COPY --from: multi-stage builds are not supported',
    ],
    [
      'FROM scratch\nCOPY --chown=1000 hello.wasm /\n',
      'ERR_NOT_SUPPORTED',
      'Containerfile:2: COPY --chown=1000: files in wasmbox images are owned by 0:0',
    ],
    [
      'FROM scratch\nCOPY notes.txt /\nENTRYPOINT ["/notes.txt"]\n',
      'ERR_NOT_WASM',
      'Containerfile:3: the entrypoint /notes.txt: not a WebAssembly binary (bad magic number)',
    ],
    [
      'FROM scratch\nUSER 1000\n',
      'ERR_NOT_SUPPORTED',
      'Containerfile:2: USER is not supported by wasmbox build: wasm containers have no users (files are owned by 0:0)',
    ],
  ];
  for (const [file, code, message] of cases) {
    it(message.slice(0, 60), async () => {
      await expect(build(store, context, file)).rejects.toMatchObject({ code, message });
    });
  }

  it('a missing context Containerfile and an ambiguous context are reported', async () => {
    await expect(
      build(store, makeContext({ 'a.wasm': helloWasm, 'b.wasm': helloWasm }), undefined),
    ).rejects.toThrow(
      'the build context has no Containerfile or Dockerfile and 2 .wasm files (name one with -f)',
    );
  });
});
