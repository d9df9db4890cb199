// The `wasmbox` command line: docker-like verbs, one file each, registered here.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerBuild } from './build.js';
import { registerCp } from './cp.js';
import { registerDiff } from './diff.js';
import { describeError, EXIT_RUNTIME, exitStatusOf } from './exit-status.js';
import { registerImage } from './image.js';
import { registerImages } from './images.js';
import { registerInspect } from './inspect.js';
import { registerLoad } from './load.js';
import { registerLogin } from './login.js';
import { registerLogout } from './logout.js';
import { registerPs } from './ps.js';
import { registerPull } from './pull.js';
import { registerPush } from './push.js';
import { registerRm } from './rm.js';
import { registerRmi } from './rmi.js';
import { registerRun } from './run.js';
import { registerSave } from './save.js';
import { registerTag } from './tag.js';

/** What a verb's action reports back: the process exit status. */
export interface VerbContext {
  setExit(code: number): void;
}

function version(): string {
  // dist/runtime/cli/main.js and runtime/cli/main.ts both sit below the package root.
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'wasmbox' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export function createProgram(ctx: VerbContext): Command {
  const program = new Command('wasmbox')
    .description('Run WebAssembly (WASI) containers: OCI images, a WASI kernel, shared or VM isolation.')
    .version(version(), '--version', 'print the wasmbox version')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s.replace(/^error:/, 'wasmbox: error:')) });
  registerRun(program, ctx);
  registerPull(program, ctx);
  registerImages(program, ctx);
  registerRmi(program, ctx);
  registerImage(program, ctx);
  registerInspect(program, ctx);
  registerLogin(program, ctx);
  registerLogout(program, ctx);
  registerBuild(program, ctx);
  registerPush(program, ctx);
  registerTag(program, ctx);
  registerSave(program, ctx);
  registerLoad(program, ctx);
  registerPs(program, ctx);
  registerDiff(program, ctx);
  registerCp(program, ctx);
  registerRm(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit status (it never calls process.exit itself). */
export async function main(argv: string[]): Promise<number> {
  let status = 0;
  const program = createProgram({ setExit: (code) => (status = code) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors are runtime errors (125).
      return error.exitCode === 0 ? 0 : EXIT_RUNTIME;
    }
    process.stderr.write(`wasmbox: ${describeError(error)}\n`);
    return exitStatusOf(error);
  }
}
