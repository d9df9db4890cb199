// One conformance suite for every container store: the in-memory one and the on-disk one under
// $WASMBOX_HOME/containers (names claimed atomically, containers appear whole, removal complete).
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryContainerStore } from '../../runtime/container/memory-store.js';
import { type ContainerRecord, newContainerId } from '../../runtime/container/record.js';
import { removeContainer } from '../../runtime/container/remove.js';
import { type ContainerStore, findContainer } from '../../runtime/container/store.js';
import type { Digest } from '../../runtime/core/digest.js';
import { NodeContainerStore } from '../../runtime/platform/node/containers.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-containers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DIGEST = `sha256:${'a'.repeat(64)}` as Digest;

function record(name: string, id = newContainerId()): ContainerRecord {
  return {
    id,
    name,
    image: { name: 'docker.io/library/x:latest', digest: DIGEST },
    layers: [{ digest: DIGEST, mediaType: 'application/vnd.oci.image.layer.v1.tar' }],
    argv: ['/x.wasm'],
    env: ['A=1'],
    workdir: '/',
    state: 'exited',
    created: '2025-01-02T03:04:05.000Z',
    finished: '2025-01-02T03:04:06.000Z',
    exitCode: 3,
    upper: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: DIGEST, size: 5 },
  };
}

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += Buffer.from(c).toString();
  return out;
}

let n = 0;
const implementations: Array<[string, () => ContainerStore]> = [
  ['memory', () => new MemoryContainerStore()],
  ['node', () => new NodeContainerStore(join(tmp, `store-${n++}`))],
];

describe.each(implementations)('%s container store', (_, open) => {
  it('stores a container whole and finds it by name, id and id prefix', async () => {
    const store = open();
    const r = record('web');
    await store.create(r, [new TextEncoder().encode('he'), new TextEncoder().encode('llo')]);
    expect(await store.get(r.id)).toEqual(r);
    expect(await store.idOfName('web')).toBe(r.id);
    expect(await text(store.readUpper(r.id))).toBe('hello');
    expect(await findContainer(store, 'web')).toEqual(r);
    expect(await findContainer(store, '/web')).toEqual(r);
    expect(await findContainer(store, r.id)).toEqual(r);
    expect(await findContainer(store, r.id.slice(0, 12))).toEqual(r);
    expect(await findContainer(store, 'nope')).toBeUndefined();
    expect(await store.list()).toEqual([r]);
  });

  it('replaces the upper layer and the record together (cp into a container), again and again', async () => {
    const store = open();
    const r = record('cp');
    await store.create(r, [new TextEncoder().encode('hello')]);
    for (const [content, letter] of [
      ['bye', 'b'],
      ['again', 'c'],
    ] as const) {
      const info = { ...r.upper, digest: `sha256:${letter.repeat(64)}` as Digest, size: content.length };
      await store.replaceUpper(r.id, [new TextEncoder().encode(content)], info);
      expect(await text(store.readUpper(r.id))).toBe(content);
      expect(await store.get(r.id)).toEqual({ ...r, upper: info });
    }
    await expect(store.replaceUpper('f'.repeat(64), [], r.upper)).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
  });

  it("refuses a taken name with docker's message and keeps the first container", async () => {
    const store = open();
    const first = record('db');
    await store.create(first, []);
    const second = record('db');
    await expect(store.create(second, [])).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
      message: expect.stringContaining(
        `Conflict. The container name "/db" is already in use by container "${first.id}"`,
      ),
    });
    expect(await store.get(second.id)).toBeUndefined();
    expect((await store.list()).map((r) => r.id)).toEqual([first.id]);
  });

  it('frees the name on removal; removing twice reports false', async () => {
    const store = open();
    const r = record('tmp');
    await store.create(r, []);
    expect(await store.remove(r.id)).toBe(true);
    expect(await store.remove(r.id)).toBe(false);
    expect(await store.get(r.id)).toBeUndefined();
    expect(await store.idOfName('tmp')).toBeUndefined();
    await expect(text(store.readUpper(r.id))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await store.create(record('tmp'), []);
  });

  it('refuses invalid names; path-like lookups find nothing', async () => {
    const store = open();
    await expect(store.create(record('../x'), [])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(store.create(record('a/b'), [])).rejects.toThrow('invalid container name "a/b"');
    expect(await findContainer(store, '../../../../etc/passwd')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('a name wins over an id prefix; an ambiguous prefix is an error', async () => {
    const store = open();
    const a = record('one', `ab${'0'.repeat(62)}`);
    const b = record('two', `ab${'1'.repeat(62)}`);
    const c = record('ab', `cd${'2'.repeat(62)}`);
    for (const r of [a, b, c]) await store.create(r, []);
    expect((await findContainer(store, 'ab'))?.id).toBe(c.id);
    await expect(findContainer(store, 'ab0')).resolves.toMatchObject({ id: a.id });
    await expect(findContainer(store, 'a')).rejects.toThrow(
      'multiple containers found with the id prefix: a',
    );
  });
});

describe('node container store on disk', () => {
  it('leaves no temp files, and a stale name claim (a killed keep) is taken over', async () => {
    const root = join(tmp, 'disk');
    const store = new NodeContainerStore(root);
    const r = record('x');
    await store.create(r, [new Uint8Array(3)]);
    expect(readdirSync(root).sort()).toEqual([r.id, 'names']);
    expect(readdirSync(join(root, r.id)).sort()).toEqual(['record.json', 'upper.tar']);
    // A claim whose container never appeared: fresh ones conflict, old ones are taken over.
    writeFileSync(join(root, 'names', 'ghost'), `${'f'.repeat(64)}\n`);
    await expect(store.create(record('ghost'), [])).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    utimesSync(join(root, 'names', 'ghost'), new Date(0), new Date(0));
    const ghost = record('ghost');
    await store.create(ghost, []);
    expect(await store.idOfName('ghost')).toBe(ghost.id);
  });

  it('a replaced layer is one file named by its digest; the old one goes', async () => {
    const root = join(tmp, 'replace');
    const store = new NodeContainerStore(root);
    const r = record('r');
    await store.create(r, [new Uint8Array(5)]);
    const info = { ...r.upper, digest: `sha256:${'d'.repeat(64)}` as Digest, size: 2 };
    await store.replaceUpper(r.id, [new Uint8Array(2)], info);
    expect(readdirSync(join(root, r.id)).sort()).toEqual(['record.json', `upper-${'d'.repeat(64)}.tar`]);
  });

  it('names a damaged record', async () => {
    const root = join(tmp, 'damaged');
    const store = new NodeContainerStore(root);
    const r = record('d');
    await store.create(r, []);
    writeFileSync(join(root, r.id, 'record.json'), '{"id": 1}');
    await expect(store.get(r.id)).rejects.toThrow(/record\.json: damaged container record: bad id/);
  });

  it('a damaged record hides no other container, and removing it frees its name', async () => {
    const root = join(tmp, 'damaged-list');
    const warnings: string[] = [];
    const store = new NodeContainerStore(root, Date.now, (m) => warnings.push(m));
    const [bad, good] = [record('bad'), record('good')];
    await store.create(bad, []);
    await store.create(good, []);
    writeFileSync(join(root, bad.id, 'record.json'), 'not json');
    expect(await store.list()).toEqual([good]);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`damaged container record.*rm -f ${bad.id}`)),
    ]);
    await expect(removeContainer(store, bad.id)).rejects.toMatchObject({ code: 'ERR_HOST_IO' });
    expect(await removeContainer(store, bad.id, { force: true })).toEqual({ id: bad.id });
    expect(readdirSync(root).sort()).toEqual([good.id, 'names']);
    expect(await store.idOfName('bad')).toBeUndefined();
    expect(await store.idOfName('good')).toBe(good.id);
  });
});
