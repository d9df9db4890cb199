// The runtime's typed lifecycle events: what happened to a pull or a container, in order, for
// progress displays, logs and metrics. Listeners are called synchronously; one that throws is
// ignored so an observer can never break a container.

import type { PullEvent } from '../image/pull.js';
import type { IsolationMode } from '../isolation/types.js';
import type { ExitStatus } from './options.js';

/**
 * Order for one container: `create` → `start` → `exit`; a container killed before it started
 * goes `create` → `exit`. A pull reports `pull` events between `pull-start` and `pull-end`.
 */
export type RuntimeEvent =
  | { type: 'pull-start'; ref: string }
  | { type: 'pull'; ref: string; event: PullEvent }
  | { type: 'pull-end'; ref: string; digest?: string; error?: { code: string; message: string } }
  | { type: 'create'; id: string; image?: string; isolation: IsolationMode }
  | { type: 'start'; id: string }
  | { type: 'exit'; id: string; exit: ExitStatus }
  | { type: 'error'; id: string; error: { code: string; message: string } };

export type EventListener = (event: RuntimeEvent) => void;

/** Calls the listener, shielding the caller from whatever it throws. */
export function emitter(listener: EventListener | undefined): EventListener {
  if (!listener) return () => {};
  return (event) => {
    try {
      listener(event);
    } catch {
      // An observer's bug must not change what the container does.
    }
  };
}
