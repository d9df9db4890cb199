// AbortSignal plumbing for the library: one error for "the caller gave up", and wrappers that make
// a fetch, a content store and a backoff sleep stop as soon as the signal fires.

import type { BlobWriter, Store } from '../content/store.js';
import { RuntimeError } from '../errors.js';

/** The one error every aborted stage (pull, create, exec) rejects with. */
export function abortError(what: string, signal?: AbortSignal): RuntimeError {
  const reason = signal?.reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new RuntimeError('ERR_ABORTED', `${what}: aborted${why}`, reason ? { cause: reason } : {});
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(what, signal);
}

/**
 * Races `promise` against the signal. The work itself may go on in the background; callers
 * use this only where what is left behind cleans up by itself (or is cleaned up by `undo`).
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
  undo?: (value: T) => void,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.then(undo, () => {});
    return Promise.reject(abortError(what, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(what, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) undo?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortError(what, signal) : error);
      },
    );
  });
}

/**
 * A fetch that passes the signal on and fails with ERR_ABORTED once it fired. The registry client
 * retries plain errors, but passes a RuntimeError straight through: so no retry after an abort.
 */
export function abortableFetch(base: typeof fetch, signal: AbortSignal, what: string): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    throwIfAborted(signal, what);
    try {
      return await base(input, { ...init, signal });
    } catch (error) {
      if (signal.aborted) throw abortError(what, signal);
      throw error;
    }
  }) as typeof fetch;
}

/** A backoff sleep that ends early, with ERR_ABORTED, when the signal fires. */
export function abortableSleep(signal: AbortSignal, what: string): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError(what, signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError(what, signal));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

/**
 * The store seen by one pull: every blob write and the final image record check the signal
 * first, so an aborted pull's writer is aborted by the pipeline (nothing half-written becomes
 * visible) and no record names an image whose pull was cancelled.
 */
export function abortableStore(store: Store, signal: AbortSignal, what: string): Store {
  return {
    info: (digest) => store.info(digest),
    read: (digest) => store.read(digest),
    readChunks: (digest) => store.readChunks(digest),
    delete: (digest) => store.delete(digest),
    list: () => store.list(),
    getImage: (name) => store.getImage(name),
    deleteImage: (name) => store.deleteImage(name),
    listImages: () => store.listImages(),
    async writer(expected) {
      throwIfAborted(signal, what);
      const writer = await store.writer(expected);
      const wrapped: BlobWriter = {
        get offset() {
          return writer.offset;
        },
        write: async (chunk) => {
          throwIfAborted(signal, what);
          await writer.write(chunk);
        },
        reset: () => writer.reset(),
        commit: async () => {
          throwIfAborted(signal, what);
          await writer.commit();
        },
        abort: () => writer.abort(),
      };
      return wrapped;
    },
    async putImage(record) {
      throwIfAborted(signal, what);
      await store.putImage(record);
    },
  };
}
