// Interrupts a guest running in the caller's thread (shared isolation) with the watchdog of Node's
// vm module: a timeout or SIGINT terminates the running script, wasm loops and Atomics.wait included.

import vm from 'node:vm';
import { RuntimeError } from '../../errors.js';
import type { Interrupter } from '../../isolation/seam.js';

/** One context per interrupter, made on first use (a context costs about a millisecond). */
export function nodeInterrupter(): Interrupter {
  let context: vm.Context | undefined;
  let script: vm.Script | undefined;
  return {
    run(fn, limits) {
      if (limits.timeoutMs === undefined && !limits.breakOnInterrupt) {
        fn();
        return;
      }
      context ??= vm.createContext({ call: undefined });
      script ??= new vm.Script('call()');
      const previous = context.call;
      context.call = fn;
      try {
        script.runInContext(context, {
          ...(limits.timeoutMs === undefined ? {} : { timeout: Math.max(1, Math.ceil(limits.timeoutMs)) }),
          breakOnSigint: !!limits.breakOnInterrupt,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
          throw new RuntimeError('ERR_TIMEOUT', `stopped after ${limits.timeoutMs} ms`);
        }
        if (code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED')
          throw new RuntimeError('ERR_INTERRUPTED', 'interrupted');
        throw error;
      } finally {
        context.call = previous;
      }
    },
  };
}
