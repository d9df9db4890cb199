// Starts GuestComponents in this realm (the caller's thread or a worker). Drivers import it on the
// first component, so containers of preview1 modules never load the component engine.

import type { TranspiledComponent } from '../component/cache.js';
import { ComponentLoader } from '../component/portable.js';
import { type ComponentRunOptions, startComponent } from '../component/run.js';
import type { RunResult } from '../engine/run.js';
import type { GuestComponent } from './types.js';

export interface ComponentEngine {
  /** The component made runnable in this realm: its generated JS is imported once per digest. */
  load(guest: GuestComponent): Promise<TranspiledComponent>;
  /** A fresh instance over the kernel in `options`, run to its exit (see startComponent). */
  start(component: TranspiledComponent, options: ComponentRunOptions): Promise<RunResult>;
}

export function createComponentEngine(): ComponentEngine {
  const loader = new ComponentLoader();
  return {
    async load(guest) {
      if (!guest.instantiate) return loader.load(guest);
      return {
        instantiate: guest.instantiate,
        cores: guest.cores,
        imports: guest.imports,
        exports: guest.exports,
      };
    },
    start: (component, options) => startComponent(component, options),
  };
}
