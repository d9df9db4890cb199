// The `wasmbox` command line: docker-like verbs, one file each, registered here.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeError, EXIT_RUNTIME, exitStatusOf } from './exit-status.js';
import { VERBS } from './verbs.js';

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

/**
 * The program with the verb `argv` names registered, or every verb when it names none (help,
 * usage errors), so `wasmbox --help` still lists them all.
 */
export async function createProgram(ctx: VerbContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('wasmbox')
    .description('Run WebAssembly (WASI) containers: OCI images, a WASI kernel, shared or VM isolation.')
    .version(version(), '--version', 'print the wasmbox version')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s.replace(/^error:/, 'wasmbox: error:')) });
  const named = argv.find((a) => !a.startsWith('-'));
  const verbs = named !== undefined && named in VERBS ? [named] : Object.keys(VERBS);
  for (const register of await Promise.all(verbs.map((verb) => VERBS[verb]!()))) register(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit status (it never calls process.exit itself). */
export async function main(argv: string[]): Promise<number> {
  let status = 0;
  try {
    const program = await createProgram({ setExit: (code) => (status = code) }, argv);
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
