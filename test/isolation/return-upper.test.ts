// `spec.returnUpper`: both drivers hand back the container's writable layer with its exit (after an
// exit or a trap, not after a kill or timeout); loaded over the image's layers, it shows exactly
// what the guest wrote and deleted. vm and shared give the same layer for the same guest.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUpper } from '../../runtime/container/import-upper.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { isRuntimeError } from '../../runtime/errors.js';
import { prepareModule } from '../../runtime/isolation/module.js';
import type {
  ContainerExit,
  ContainerSpec,
  IsolationDriver,
  LayerBlob,
} from '../../runtime/isolation/types.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { Overlay } from '../../runtime/vfs/overlay.js';
import { diff } from '../../runtime/vfs/overlay-diff.js';
import { type Image, layeredImage, readFile } from '../container/helpers.js';
import { watToBytes } from '../helpers/wat.js';
import { sample, sharedDriver, vmDriver, wat } from './helpers.js';

const scribble = () =>
  prepareModule(watToBytes(readFileSync(new URL('../playground/scribble.wat', import.meta.url), 'utf8')));

let image: Image;
let layers: LayerBlob[];

beforeAll(async () => {
  image = await layeredImage(new MemoryStore());
  layers = await Promise.all(
    image.image.layers.map(async (l) => ({
      digest: l.digest,
      mediaType: l.mediaType,
      bytes: await image.store.read(l.digest),
    })),
  );
});

/** The container's root rebuilt on the host: the image's trees with the returned layer on top. */
async function rebuilt(exit: ContainerExit, withImage: boolean): Promise<Overlay> {
  const tree = withImage
    ? await image.cache.chain(
        image.image.layers.map((l) => ({ digest: l.digest, open: () => image.store.readChunks(l.digest) })),
      )
    : undefined;
  const overlay = new Overlay({ lowers: tree ? [tree.root] : [] });
  expect(exit.upperTar).toBeDefined();
  await loadUpper(overlay, exit.upperTar!, 'sha256:returned');
  return overlay;
}

const vm = vmDriver(2);
const shared = sharedDriver();
beforeAll(() => vm.warm());
afterAll(() => vm.close());

describe.each([
  ['vm', () => vm as IsolationDriver],
  ['shared', () => shared],
])('returnUpper under the %s driver', (_mode, driver) => {
  const start = (spec: ContainerSpec) => driver().start(spec);

  it("over image layers: the guest's additions and deletions, nothing of the image", async () => {
    const exit = await start({ module: await scribble(), layers, returnUpper: true }).exit;
    expect(exit).toMatchObject({ exitCode: 0, reason: 'exit' });
    const root = await rebuilt(exit, true);
    expect(diff(root).map((c) => `${c.kind} ${c.path}`)).toEqual(['C /etc', 'D /etc/motd', 'A /notes.txt']);
    expect(readFile(root.root, '/notes.txt')).toBe('written by the container\n');
    expect(readFile(root.root, '/data/new.txt')).toBe('layer 3\n');
  });

  it('a fresh root (no image) becomes an overlay with no lower layers: spec files and writes return', async () => {
    const exit = await start({
      module: await sample('cat'),
      args: ['cat', '/in/a.txt'],
      files: { '/in/a.txt': 'staged\n' },
      workdir: '/work',
      returnUpper: true,
    }).exit;
    expect(exit.exitCode).toBe(0);
    const root = await rebuilt(exit, false);
    expect(readFile(root.root, '/in/a.txt')).toBe('staged\n');
    expect(diff(root).map((c) => `${c.kind} ${c.path}`)).toEqual(['A /in', 'A /in/a.txt', 'A /work']);
  });

  it('after a trap: what the guest wrote before it', async () => {
    const exit = await start({ module: await wat('write-then-trap'), returnUpper: true }).exit;
    expect(exit).toMatchObject({ exitCode: 134, reason: 'trap' });
    expect(readFile((await rebuilt(exit, false)).root, '/partial.txt')).toBe('before the trap\n');
  });

  it('not asked for: no layer; killed or timed out: no layer', async () => {
    const plain = await start({ module: await scribble(), layers }).exit;
    expect(plain.exitCode).toBe(0);
    expect(plain.upperTar).toBeUndefined();
    const timedOut = await start({ module: await wat('loop'), returnUpper: true, timeoutMs: 100 }).exit;
    expect(timedOut.reason).toBe('timeout');
    expect(timedOut.upperTar).toBeUndefined();
  });
});

describe('returnUpper', () => {
  it('vm: the layer arrives transferred, and a recycled worker starts the next container clean', async () => {
    const first = await vm.start({ module: await scribble(), layers, returnUpper: true }).exit;
    expect(first.upperTar!.every((c) => c.byteOffset === 0 && c.byteLength === c.buffer.byteLength)).toBe(
      true,
    );
    const next = await vm.start({ module: await sample('hello'), layers, returnUpper: true }).exit;
    const root = await rebuilt(next, true);
    expect(diff(root)).toEqual([]);
    expect(readFile(root.root, '/etc/motd')).toBe('layer 2\n');
  });

  it('vm: a killed container returns no layer', async () => {
    const handle = vm.start({ module: await wat('loop'), returnUpper: true });
    setTimeout(() => handle.kill(), 50);
    const exit = await handle.exit;
    expect(exit).toMatchObject({ exitCode: 137, reason: 'killed' });
    expect(exit.upperTar).toBeUndefined();
  });

  it('shared: returns the upper of the overlay it ran on, which stays the live root', async () => {
    const root = await image.overlay();
    const exit = await shared.start({ module: await scribble(), root, returnUpper: true }).exit;
    const copy = await rebuilt(exit, true);
    expect(diff(copy)).toEqual(diff(root));
    expect(readFile(root.root, '/notes.txt')).toBe('written by the container\n');
  });

  it('shared: a plain MemFs root has no layer to return: refused at start', async () => {
    const guest = await sample('hello');
    let error: unknown;
    try {
      shared.start({ module: guest, root: new MemFs(), returnUpper: true });
    } catch (caught) {
      error = caught;
    }
    expect(isRuntimeError(error) && error.code).toBe('ERR_NOT_SUPPORTED');
    expect((error as Error).message).toContain('returnUpper');
  });
});
