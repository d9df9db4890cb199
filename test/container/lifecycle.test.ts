// A container kept after its guest exits, through the library: the record and lifecycle rules,
// reopening it (same tree, same diff, read-only), name conflicts, removal, tampering detected.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportUpper } from '../../runtime/container/export-upper.js';
import { checkNameFree, keepContainer } from '../../runtime/container/keep.js';
import { MemoryContainerStore } from '../../runtime/container/memory-store.js';
import { openContainer } from '../../runtime/container/open.js';
import { canKill, canRemove, canStart, nextState } from '../../runtime/container/record.js';
import { removeContainer } from '../../runtime/container/remove.js';
import { resolveCommand } from '../../runtime/container/spec.js';
import type { ContainerStore } from '../../runtime/container/store.js';
import { MemoryStore } from '../../runtime/content/memory.js';
import { NodeContainerStore } from '../../runtime/platform/node/containers.js';
import { LayerTreeCache } from '../../runtime/unpack/cache.js';
import { diff } from '../../runtime/vfs/overlay-diff.js';
import {
  changeEverything,
  type Image,
  layeredImage,
  readFile,
  renameThings,
  snapshot,
  writeFile,
} from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-lifecycle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let image: Image;
beforeAll(async () => {
  image = await layeredImage(new MemoryStore());
});

async function kept(
  name: string,
  change = renameThings,
  containers: ContainerStore = new MemoryContainerStore(),
) {
  const overlay = await image.overlay();
  change(overlay.root);
  const command = resolveCommand(image.image.config?.config ?? {}, { env: [['X', 'y']] });
  const record = await keepContainer(
    containers,
    { name, image: image.image, command, exitCode: 3, overlay, created: new Date('2025-01-01T00:00:00Z') },
    { now: () => new Date('2025-01-01T00:00:05Z') },
  );
  return { containers, overlay, record };
}

describe('lifecycle state machine', () => {
  it('created → running → exited → removed, and nothing else', () => {
    expect(nextState('created', 'start', 'c')).toBe('running');
    expect(nextState('running', 'exit', 'c')).toBe('exited');
    expect(nextState('exited', 'remove', 'c')).toBe('removed');
    expect(nextState('created', 'remove', 'c')).toBe('removed');
    expect(() => nextState('running', 'remove', 'c')).toThrow('container c is running: cannot remove it');
    expect(() => nextState('removed', 'start', 'c')).toThrow(/ERR_CONFLICT|cannot start/);
    expect(() => nextState('exited', 'start', 'c')).toThrow(/cannot start/);
    expect([canStart('created'), canStart('exited'), canKill('running'), canKill('exited')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([
      canRemove('exited'),
      canRemove('running'),
      canRemove('running', true),
      canRemove('removed', true),
    ]).toEqual([true, false, true, false]);
  });
});

describe('keepContainer / openContainer', () => {
  it('records what ran and reopens the same tree and diff, read-only', async () => {
    const { containers, overlay, record } = await kept('web');
    expect(record).toMatchObject({
      name: 'web',
      state: 'exited',
      exitCode: 3,
      argv: ['/bin/ls.wasm', '/data'],
      env: ['GREETING=layered', 'X=y'],
      workdir: '/',
      created: '2025-01-01T00:00:00.000Z',
      finished: '2025-01-01T00:00:05.000Z',
      image: { name: image.image.record.name, digest: image.image.record.digest },
    });
    expect(record.id).toMatch(/^[0-9a-f]{64}$/);
    expect(record.layers.map((l) => l.digest)).toEqual(image.image.layers.map((l) => l.digest));
    const cache = new LayerTreeCache();
    const opened = await openContainer(containers, image.store, cache, 'web');
    expect(opened.record).toEqual(record);
    expect(snapshot(opened.overlay.root)).toEqual(snapshot(overlay.root));
    expect(diff(opened.overlay)).toEqual(diff(overlay));
    expect(diff(opened.overlay)).toContainEqual({ kind: 'A', path: '/data/kept/motd' });
    expect(() => writeFile(opened.overlay.root, '/etc/new', 'x')).toThrow(/EROFS/);
    // The image's layer trees are unpacked once and shared by every reopening.
    expect(cache.has(record.layers.map((l) => l.digest))).toBe(true);
    const writable = await openContainer(containers, image.store, cache, record.id.slice(0, 12), {
      writable: true,
    });
    writeFile(writable.overlay.root, '/etc/new', 'x');
    expect(readFile(writable.overlay.root, '/etc/new')).toBe('x');
  });

  it('keeps every kind of change (whiteouts, opaque dirs, links, big files)', async () => {
    const { containers, overlay } = await kept('all', changeEverything);
    const opened = await openContainer(containers, image.store, new LayerTreeCache(), 'all');
    expect(snapshot(opened.overlay.root)).toEqual(snapshot(overlay.root));
    expect(readFile(opened.overlay.root, '/data/keep/k-hardlink.txt')).toBe('k changed\n');
    expect(diff(opened.overlay)).toEqual(
      expect.arrayContaining([
        { kind: 'D', path: '/data/new.txt' },
        { kind: 'D', path: '/data/old' },
        { kind: 'C', path: '/data/opaque' },
        { kind: 'D', path: '/data/opaque/y.txt' },
        { kind: 'A', path: '/data/opaque/z.txt' },
        { kind: 'C', path: '/etc/motd' },
        { kind: 'A', path: '/data/big.bin' },
      ]),
    );
  });

  it('keeps an upper layer exported elsewhere (a vm worker), and needs one of the two', async () => {
    const containers = new MemoryContainerStore();
    const overlay = await image.overlay();
    changeEverything(overlay.root);
    const command = resolveCommand(image.image.config?.config ?? {});
    const upperTar = [...exportUpper(overlay)].map((c) => c.slice());
    await keepContainer(containers, { name: 'vm', image: image.image, command, exitCode: 0, upperTar });
    const opened = await openContainer(containers, image.store, new LayerTreeCache(), 'vm');
    expect(snapshot(opened.overlay.root)).toEqual(snapshot(overlay.root));
    await expect(
      keepContainer(containers, { name: 'none', image: image.image, command, exitCode: 0 }),
    ).rejects.toThrow('container none: no overlay or upper layer to keep');
  });

  it("checks names early and refuses a taken one with docker's message", async () => {
    const { containers, record } = await kept('db');
    await expect(checkNameFree(containers, 'free')).resolves.toBeUndefined();
    await expect(checkNameFree(containers, 'db')).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
      message: expect.stringMatching(
        /^Conflict\. The container name "\/db" is already in use by container "[0-9a-f]{64}"/,
      ),
    });
    await expect(checkNameFree(containers, 'bad name')).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
    await expect(kept('db', renameThings, containers)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect((await containers.list()).map((r) => r.id)).toEqual([record.id]);
  });

  it('removes a container and frees its name; a missing one is an error unless forced', async () => {
    const { containers, record } = await kept('gone');
    expect((await removeContainer(containers, 'gone'))?.id).toBe(record.id);
    await expect(openContainer(containers, image.store, new LayerTreeCache(), 'gone')).rejects.toThrow(
      'No such container: gone',
    );
    await expect(removeContainer(containers, 'gone')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(removeContainer(containers, 'gone', { force: true })).resolves.toBeUndefined();
    await checkNameFree(containers, 'gone');
  });

  it('refuses a saved layer altered on disk, and names an image layer that left the store', async () => {
    const root = join(tmp, 'store');
    const { containers, record } = await kept('t', renameThings, new NodeContainerStore(root));
    const path = join(root, record.id, 'upper.tar');
    const bytes = readFileSync(path);
    const at = bytes.length - 1024 - 1;
    bytes[at] = bytes[at]! ^ 1;
    writeFileSync(path, bytes);
    await expect(openContainer(containers, image.store, new LayerTreeCache(), 't')).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
      message: expect.stringContaining(`container t: its saved layer ${record.upper.digest} was altered`),
    });
    const store = new MemoryStore();
    const other = await layeredImage(store);
    const { containers: c2, record: r2 } = await kept('u', renameThings);
    await store.delete(other.image.layers[1]!.digest);
    await expect(openContainer(c2, store, new LayerTreeCache(), 'u')).rejects.toThrow(
      `container u: image layer ${r2.layers[1]!.digest} of ${r2.image.name} is no longer in the content store`,
    );
  });
});
