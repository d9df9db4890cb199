// An image from the repo's OCI layouts becomes a container root: layers stacked with their
// whiteouts, the program read from the image, run by the kernel, the image left untouched.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageOverlay, readProgramFile } from '../../runtime/container/image-root.js';
import { buildRootfs } from '../../runtime/container/rootfs.js';
import { resolveCommand } from '../../runtime/container/spec.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { runModule } from '../../runtime/engine/run.js';
import { loadImage } from '../../runtime/image/images.js';
import { pullImage } from '../../runtime/image/pull.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { LayerTreeCache } from '../../runtime/unpack/cache.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';

const LAYERED = `oci:${resolve(import.meta.dirname, '../../images/layered')}`;

async function setup() {
  const store = new MemoryStore();
  const record = await pullImage(LAYERED, { store, files: nodeFileApi });
  const image = await loadImage(store, record.name);
  return { store, image, cache: new LayerTreeCache() };
}

function run(root: Awaited<ReturnType<typeof imageOverlay>>, argv: string[], image: string) {
  const rootfs = buildRootfs({ root });
  const stdout = new CollectSink();
  const stderr = new CollectSink();
  const module = new WebAssembly.Module(
    readProgramFile(rootfs.fs.root, argv[0]!, image) as Uint8Array<ArrayBuffer>,
  );
  const { exitCode } = runModule(module, { args: argv, preopens: rootfs.preopens, stdout, stderr });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

describe('image roots', () => {
  it('runs the image command over its stacked layers (whiteouts, opaque dir, links)', async () => {
    const { store, image, cache } = await setup();
    const command = resolveCommand(image.config?.config ?? {});
    expect(command.argv).toEqual(['/bin/ls.wasm', '/data']);
    const root = await imageOverlay(store, image, cache);
    const ls = run(root, command.argv, image.record.name);
    expect(ls.exitCode).toBe(0);
    const names = ls.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[3]);
    expect(names).toEqual(['keep', 'motd-link', 'new.txt', 'old', 'opaque']);
    expect(run(root, ['/bin/ls.wasm', '/data/old', '/data/opaque'], image.record.name).stdout).toMatch(
      /b\.txt[\s\S]*y\.txt/,
    );
    const old = run(root, ['/bin/ls.wasm', '/data/old', '/data/opaque'], image.record.name).stdout;
    expect(old).not.toMatch(/a\.txt|x\.txt/);
    expect(
      run(root, ['/bin/cat-abs', '/data/motd-link', '/data/keep/k-hardlink.txt'], image.record.name).stdout,
    ).toBe('layer 2\nkept\n');
  });

  it('two containers of one image see only their own writes; the image is unchanged', async () => {
    const { store, image, cache } = await setup();
    const a = await imageOverlay(store, image, cache);
    const b = await imageOverlay(store, image, cache);
    const write = (root: typeof a, text: string) => {
      const file = root.root.get('etc')!;
      if (file.kind !== 'dir') throw new Error('etc');
      const motd = file.get('motd');
      if (motd?.kind !== 'file') throw new Error('motd');
      const h = motd.open(true);
      h.truncate(0);
      h.write(new TextEncoder().encode(text), 0);
      h.close();
    };
    write(a, 'from a\n');
    write(b, 'from b\n');
    expect(run(a, ['/bin/cat.wasm', '/etc/motd'], 'x').stdout).toBe('from a\n');
    expect(run(b, ['/bin/cat.wasm', '/etc/motd'], 'x').stdout).toBe('from b\n');
    const c = await imageOverlay(store, image, cache);
    expect(run(c, ['/bin/cat.wasm', '/etc/motd'], 'x').stdout).toBe('layer 2\n');
  });

  it('names a missing or non-file program', async () => {
    const { store, image, cache } = await setup();
    const root = await imageOverlay(store, image, cache);
    expect(() => readProgramFile(root.root, '/bin/nope.wasm', 'img')).toThrow(/no such file/);
    expect(() => readProgramFile(root.root, '/bin', 'img')).toThrow(/not a regular file/);
    expect(() => readProgramFile(root.root, 'bin/ls.wasm', 'img')).toThrow(/not an absolute path/);
  });
});
