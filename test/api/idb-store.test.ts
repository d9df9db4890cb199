// The content store conformance suite (test/content/conformance.ts) against the IndexedDB store,
// over fake-indexeddb in Node; browser-cases.ts checks the real IndexedDB in Chromium.

import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../runtime/core/digest.js';
import { IdbStore } from '../../runtime/platform/browser/idb-store.js';
import { storeConformance } from '../content/conformance.js';

let n = 0;
storeConformance('indexeddb', async () => new IdbStore({ indexedDB: new IDBFactory(), name: `s${n++}` }));

describe('indexeddb store', () => {
  it('keeps blobs and records across connections to the same database', async () => {
    const factory = new IDBFactory();
    const data = new TextEncoder().encode('persisted');
    const digest = digestOf(data);
    const first = new IdbStore({ indexedDB: factory, name: 'kept' });
    const writer = await first.writer({ digest, size: data.length });
    await writer.write(data);
    await writer.commit();
    await first.putImage({ name: 'x.io/a:1', digest, mediaType: 'm', size: data.length, annotations: {} });
    await first.close();
    const second = new IdbStore({ indexedDB: factory, name: 'kept' });
    expect(await second.read(digest)).toEqual(data);
    expect((await second.listImages()).map((r) => r.name)).toEqual(['x.io/a:1']);
    expect(await second.deleteImage('x.io/a:1')).toBe(true);
    expect(await second.deleteImage('x.io/a:1')).toBe(false);
  });

  it('without IndexedDB it refuses with ERR_NOT_SUPPORTED', () => {
    expect(() => new IdbStore()).toThrow(expect.objectContaining({ code: 'ERR_NOT_SUPPORTED' }));
  });
});
