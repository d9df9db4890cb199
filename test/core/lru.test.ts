// LruCache: forgets the least recently used entries once over its weight budget, never the one
// just added or weighed; reading an entry makes it the most recent.

import { describe, expect, it } from 'vitest';
import { LruCache } from '../../runtime/core/lru.js';

describe('LruCache', () => {
  it('counts entries by default and forgets the oldest first', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now more recent than b
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.size).toBe(2);
  });

  it('weighs entries, also after the fact, and keeps the one that alone is over budget', () => {
    const cache = new LruCache<string, string>(100);
    cache.set('x', 'x', 40);
    cache.set('y', 'y', 0);
    cache.weigh('y', 50);
    expect(cache.weight).toBe(90);
    cache.set('z', 'z', 30); // 120: x goes
    expect([cache.has('x'), cache.has('y'), cache.has('z')]).toEqual([false, true, true]);
    cache.weigh('z', 500); // over budget alone: y goes, z stays
    expect([cache.has('y'), cache.has('z')]).toEqual([false, true]);
    expect(cache.weight).toBe(500);
  });

  it('replacing, deleting and clearing keep the total right', () => {
    const cache = new LruCache<string, number>(10);
    cache.set('a', 1, 4);
    cache.set('a', 2, 6);
    expect(cache.weight).toBe(6);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    cache.set('b', 1, 3);
    cache.clear();
    expect([cache.size, cache.weight]).toEqual([0, 0]);
  });
});
