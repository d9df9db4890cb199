// The `wasmbox` command line: docker-like verbs, one file each, registered here.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeError, EXIT_RUNTIME, exitStatusOf } from './exit-status.js';

type Register = (program: Command, ctx: VerbContext) => void;

/** Each verb's module, loaded on demand: a run pays only for the verb it names. */
const VERBS: Record<string, () => Promise<Register>> = {
  run: () => import('./run.js').then((m) => m.registerRun),
  pull: () => import('./pull.js').then((m) => m.registerPull),
  images: () => import('./images.js').then((m) => m.registerImages),
  rmi: () => import('./rmi.js').then((m) => m.registerRmi),
  image: () => import('./image.js').then((m) => m.registerImage),
  inspect: () => import('./inspect.js').then((m) => m.registerInspect),
  login: () => import('./login.js').then((m) => m.registerLogin),
  logout: () => import('./logout.js').then((m) => m.registerLogout),
  build: () => import('./build.js').then((m) => m.registerBuild),
  push: () => import('./push.js').then((m) => m.registerPush),
  tag: () => import('./tag.js').then((m) => m.registerTag),
  save: () => import('./save.js').then((m) => m.registerSave),
  load: () => import('./load.js').then((m) => m.registerLoad),
  ps: () => import('./ps.js').then((m) => m.registerPs),
  diff: () => import('./diff.js').then((m) => m.registerDiff),
  cp: () => import('./cp.js').then((m) => m.registerCp),
  rm: () => import('./rm.js').then((m) => m.registerRm),
};

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
