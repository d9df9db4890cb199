// wasi:cli/exit: ends the guest by unwinding it to runComponent, never the host process.
// ok → 0, err → 1; the exit-with-code extension passes its status through.

import { ComponentExit } from '../failure.js';

export function cliExit(): Record<string, unknown> {
  return {
    exit(status: { tag: 'ok' | 'err' }): never {
      throw new ComponentExit(status.tag === 'ok' ? 0 : 1);
    },
    exitWithCode(code: number): never {
      throw new ComponentExit(code & 0xff);
    },
  };
}
