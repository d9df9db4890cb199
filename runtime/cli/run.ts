// `wasmbox run`: runs a WASI program (a .wasm file for now) as a one-shot container.

import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { buildRootfs, type MountSpec } from '../container/rootfs.js';
import { detectWasm } from '../engine/detect.js';
import { runModule } from '../engine/run.js';
import { RuntimeError } from '../errors.js';
import { mountHostDir } from '../platform/node/host-dir.js';
import { fdSink, fdSource } from '../platform/node/stdio.js';
import { FsError } from '../vfs/types.js';
import { emptySource } from '../wasi/stdio.js';
import type { VerbContext } from './main.js';
import { collect, parseDir, parseEnvEntry, parseEnvFile, parseVolume, type VolumeSpec } from './options.js';
import { type IsolationFlags, isolatedRunNeeded, runIsolated } from './run-isolated.js';

interface RunFlags extends IsolationFlags {
  env: string[];
  envFile: string[];
  workdir?: string;
  volume: string[];
  dir: string[];
  interactive?: boolean;
  rm?: boolean;
}

export function registerRun(program: Command, ctx: VerbContext): void {
  program
    .command('run')
    .description('run a WASI program in a new container')
    .argument('<program>', 'a .wasm file')
    .argument('[args...]', 'arguments passed to the program')
    .option(
      '-e, --env <KEY=VALUE|KEY>',
      'set an environment variable (KEY alone passes the host value)',
      collect,
      [],
    )
    .option('--env-file <file>', 'read environment variables from a file', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-v, --volume <host:guest[:ro]>', 'mount a host directory (":ro" for read-only)', collect, [])
    .option('--dir <host::guest>', 'wasmtime spelling of a read-write mount', collect, [])
    .option('-i, --interactive', 'pass stdin even when it is a terminal')
    .option('--rm', 'remove the container when it exits (the default for one-shot runs)')
    .option('--isolation <mode>', 'shared (alias process; the default) or vm (alias hyperv)')
    .option('-m, --memory <size>', "cap the guest's memory (e.g. 64m); growing past it fails")
    .option('--timeout <duration>', 'kill the container after this long (e.g. 500ms, 2s): exit status 137')
    .passThroughOptions()
    .action(async (target: string, args: string[], flags: RunFlags) => {
      ctx.setExit(await run(target, args, flags));
    });
}

function readProgram(target: string): Uint8Array {
  let isFile = false;
  try {
    isFile = statSync(target).isFile();
  } catch {
    throw new RuntimeError('ERR_NOT_FOUND', `${target}: no such file`);
  }
  if (!isFile) throw new RuntimeError('ERR_CANNOT_START', `${target}: not a regular file`);
  try {
    return readFileSync(target);
  } catch (error) {
    throw new RuntimeError('ERR_CANNOT_START', `${target}: ${(error as Error).message}`);
  }
}

function mount(volume: VolumeSpec): MountSpec {
  try {
    return { target: volume.guest, dir: mountHostDir(volume.host, { readOnly: volume.readOnly }) };
  } catch (error) {
    if (error instanceof FsError) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `cannot mount ${volume.host}: ${error.message}`);
    }
    throw error;
  }
}

async function run(target: string, args: string[], flags: RunFlags): Promise<number> {
  const env = new Map<string, string>();
  for (const file of flags.envFile) parseEnvFile(file, process.env, env);
  for (const entry of flags.env) parseEnvEntry(entry, process.env, env);
  const volumes = [...flags.volume.map(parseVolume), ...flags.dir.map(parseDir)];
  if (flags.workdir !== undefined && !flags.workdir.startsWith('/')) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `the working directory must be absolute: ${flags.workdir}`,
    );
  }

  const bytes = readProgram(target);
  const isComponent = detectWasm(bytes) === 'component';
  let module: WebAssembly.Module | undefined;
  if (!isComponent) {
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw new RuntimeError(
        'ERR_COMPILE',
        `${target}: invalid WebAssembly module: ${(error as Error).message}`,
      );
    }
  }

  const rootfs = buildRootfs({
    mounts: volumes.map(mount),
    ...(flags.workdir ? { workdir: flags.workdir } : {}),
  });
  const stdinGranted = flags.interactive || !process.stdin.isTTY;
  const kernel = {
    args: [target, ...args],
    env: [...env].map(([k, v]) => `${k}=${v}`),
    preopens: rootfs.preopens,
    stdin: stdinGranted ? fdSource(0) : emptySource,
    stdout: fdSink(1),
    stderr: fdSink(2),
  };
  const isolated = isolatedRunNeeded(flags, !module);
  if (!module) {
    // Loaded only for components, so preview1 runs never load the component engine or jco.
    const { runComponent } = await import('../component/run.js');
    const { nodeComponentCache } = await import('../platform/node/component-cache.js');
    const result = await runComponent(bytes, { ...kernel, cache: nodeComponentCache(process.env) });
    return result.exitCode & 0xff;
  }
  if (isolated) {
    const hostMounts = volumes.map((v) => ({ hostPath: v.host, target: v.guest, readOnly: v.readOnly }));
    return runIsolated({ bytes, module, ...kernel, hostMounts, stdinGranted, workdir: flags.workdir }, flags);
  }
  const result = runModule(module, kernel);
  return result.exitCode & 0xff;
}
