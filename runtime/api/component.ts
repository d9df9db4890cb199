// Makes a preview2 component ready for the isolation drivers (shared or vm, with memory caps,
// timeouts and stdin pipes like a module): transpiled through the runtime's ComponentCache and
// compiled once per digest and cap. The component engine and jco are imported on first use only,
// so they stay a separate lazy chunk in browser bundles and preview1 runs never load them.

import type { ComponentCache } from '../component/cache.js';
import { digestOf } from '../core/digest.js';
import type { LruCache } from '../core/lru.js';
import type { GuestComponent, GuestModule } from '../isolation/types.js';

export interface ComponentGuestOptions {
  cache: ComponentCache;
  /** The runtime's prepared guests by digest and cap, shared with modules (keys differ by prefix). */
  guests: LruCache<string, Promise<GuestModule | GuestComponent>>;
  memoryLimit?: number;
}

/** The component in `bytes`, prepared once per runtime, digest and memory cap. */
export function componentGuest(bytes: Uint8Array, options: ComponentGuestOptions): Promise<GuestComponent> {
  const cap = options.memoryLimit;
  const key = `component/${digestOf(bytes)}/${cap ?? ''}`;
  const found = options.guests.get(key) as Promise<GuestComponent> | undefined;
  if (found) return found;
  const guest = import('../isolation/component.js').then(({ prepareComponent }) =>
    prepareComponent(bytes, { cache: options.cache, ...(cap === undefined ? {} : { memoryLimit: cap }) }),
  );
  options.guests.set(key, guest);
  guest.catch(() => options.guests.delete(key));
  return guest;
}
