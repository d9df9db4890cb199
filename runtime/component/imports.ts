// The wasi:* 0.2 interfaces wasmbox gives a component, and the refusal of any other import
// before the guest starts. Interfaces are named without their version, as jco's bindings ask.

import { RuntimeError } from '../errors.js';
import type { ComponentHost } from './host.js';
import { cliEnvironment } from './wasi/cli-environment.js';
import { cliExit } from './wasi/cli-exit.js';
import { cliStderr, cliStdin, cliStdout } from './wasi/cli-stdio.js';
import {
  cliTerminalInput,
  cliTerminalOutput,
  cliTerminalStderr,
  cliTerminalStdin,
  cliTerminalStdout,
} from './wasi/cli-terminal.js';
import { monotonicClock, wallClock } from './wasi/clocks.js';
import { filesystemPreopens } from './wasi/filesystem-preopens.js';
import { filesystemTypes } from './wasi/filesystem-types.js';
import { ioError } from './wasi/io-error.js';
import { ioPoll } from './wasi/io-poll.js';
import { ioStreams } from './wasi/io-streams.js';
import { random, randomInsecure, randomInsecureSeed } from './wasi/random.js';

type InterfaceFactory = (host: ComponentHost) => Record<string, unknown>;

const PROVIDED: Readonly<Record<string, InterfaceFactory>> = {
  'wasi:cli/environment': cliEnvironment,
  'wasi:cli/exit': cliExit,
  'wasi:cli/stdin': cliStdin,
  'wasi:cli/stdout': cliStdout,
  'wasi:cli/stderr': cliStderr,
  'wasi:cli/terminal-input': cliTerminalInput,
  'wasi:cli/terminal-output': cliTerminalOutput,
  'wasi:cli/terminal-stdin': cliTerminalStdin,
  'wasi:cli/terminal-stdout': cliTerminalStdout,
  'wasi:cli/terminal-stderr': cliTerminalStderr,
  'wasi:clocks/monotonic-clock': monotonicClock,
  'wasi:clocks/wall-clock': wallClock,
  'wasi:random/random': random,
  'wasi:random/insecure': randomInsecure,
  'wasi:random/insecure-seed': randomInsecureSeed,
  'wasi:io/error': ioError,
  'wasi:io/poll': ioPoll,
  'wasi:io/streams': ioStreams,
  'wasi:filesystem/types': filesystemTypes,
  'wasi:filesystem/preopens': filesystemPreopens,
};

/** Packages a container is denied until a later grant exists, and why. */
const DENIED: ReadonlyArray<[prefix: string, reason: string]> = [
  ['wasi:sockets/', 'network access is denied to containers'],
  ['wasi:http/', 'outgoing and incoming HTTP is denied to containers'],
];

/** `wasi:cli/stdout@0.2.3` → `wasi:cli/stdout`. */
export function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** Refuses a component that imports anything we do not provide, naming the first such import. */
export function checkImports(imports: readonly string[]): void {
  for (const name of imports) {
    const bare = unversioned(name);
    if (Object.hasOwn(PROVIDED, bare)) continue;
    const denied = DENIED.find(([prefix]) => bare.startsWith(prefix));
    if (denied) {
      throw new RuntimeError(
        'ERR_UNSUPPORTED_IMPORT',
        `the component imports ${name}, which is refused: ${denied[1]}`,
      );
    }
    throw new RuntimeError(
      'ERR_UNSUPPORTED_IMPORT',
      `the component imports ${name}, which wasmbox does not provide`,
    );
  }
}

/**
 * The import object for jco's `instantiate`, holding only the interfaces the component imports.
 * Each interface object refuses a function it does not have while jco's bindings pick them out,
 * which happens during instantiation, so a newer function is refused by name before start.
 */
export function buildImports(imports: readonly string[], host: ComponentHost): Record<string, object> {
  checkImports(imports);
  const out: Record<string, object> = {};
  for (const name of imports) {
    const bare = unversioned(name);
    out[name] = strict(bare, PROVIDED[bare]!(host));
  }
  return out;
}

function strict(name: string, members: Record<string, unknown>): object {
  return new Proxy(members, {
    get(target, key) {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) {
        throw new RuntimeError(
          'ERR_UNSUPPORTED_IMPORT',
          `the component imports ${name}#${key}, which wasmbox does not provide`,
        );
      }
      return target[key as string];
    },
  });
}
