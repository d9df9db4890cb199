// `wasmbox run`: runs a WASI program — a .wasm file or an image — as a one-shot container.

import { readFileSync, statSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { checkNameFree, keepContainer } from '../container/keep.js';
import { buildRootfs, type MountSpec } from '../container/rootfs.js';
import type { ContainerStore } from '../container/store.js';
import { detectWasm } from '../engine/detect.js';
import { runModule } from '../engine/run.js';
import { RuntimeError } from '../errors.js';
import { openNodeContainers } from '../platform/node/containers.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { mountHostDir } from '../platform/node/host-dir.js';
import { fdSink, fdSource } from '../platform/node/stdio.js';
import { MemFs } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';
import { FsError } from '../vfs/types.js';
import { emptySource } from '../wasi/stdio.js';
import { addRegistryFlags } from './image-env.js';
import type { VerbContext } from './main.js';
import { collect, parseDir, parseEnvEntry, parseEnvFile, parseVolume, type VolumeSpec } from './options.js';
import { type ImageProgram, type ImageRunFlags, prepareImage } from './run-image.js';
import { type IsolationFlags, isolatedRunNeeded, parseIsolationFlags, runIsolated } from './run-isolated.js';

interface RunFlags extends IsolationFlags, ImageRunFlags {
  env: string[];
  envFile: string[];
  workdir?: string;
  volume: string[];
  dir: string[];
  tmpfs: string[];
  readOnly?: boolean;
  interactive?: boolean;
  rm?: boolean;
  name?: string;
}

export function registerRun(program: Command, ctx: VerbContext): void {
  addRegistryFlags(
    program
      .command('run')
      .description('run a WASI program (a .wasm file or an image) in a new container')
      .argument('<program>', 'a .wasm file, or an image: NAME[:TAG], REGISTRY/NAME@sha256:…, oci:DIR[:TAG]')
      .argument('[args...]', 'arguments passed to the program (they replace the image Cmd)')
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
      .option('--tmpfs <path>', 'mount a fresh in-memory file system at this container path', collect, [])
      .option('--read-only', "make the container's root file system read-only")
      .option('--entrypoint <path>', "override the image's Entrypoint (drops its Cmd)")
      .option('--pull <policy>', 'pull the image: missing (default), always or never')
      .option('--platform <os/arch>', 'pick this platform from a multi-platform image')
      .option('-q, --quiet', 'no pull progress')
      .option('-i, --interactive', 'pass stdin even when it is a terminal')
      .option('--rm', 'remove the container when it exits (the default for one-shot runs)')
      .option('--name <name>', 'keep the container under this name after it exits (see ps, diff, cp, rm)')
      .option('--isolation <mode>', 'shared (alias process; the default) or vm (alias hyperv)')
      .option('-m, --memory <size>', "cap the guest's memory (e.g. 64m); growing past it fails")
      .option('--timeout <duration>', 'kill the container after this long (e.g. 500ms, 2s): exit status 137'),
  )
    .passThroughOptions()
    .action(async (target: string, args: string[], flags: RunFlags) => {
      ctx.setExit(await run(target, args, flags));
    });
}

/** A path on disk runs as a file; anything else is an image reference (docker's reading). */
function isFileTarget(target: string): boolean {
  try {
    statSync(target);
    return true;
  } catch {
    return (
      target.endsWith('.wasm') ||
      target.startsWith('./') ||
      target.startsWith('../') ||
      target.startsWith('/')
    );
  }
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

/** What runs, whichever way it was named. */
interface Program {
  bytes: Uint8Array;
  label: string;
  argv: string[];
  env: Map<string, string>;
  workdir: string | undefined;
  image?: ImageProgram;
  created: Date;
}

async function run(target: string, args: string[], flags: RunFlags): Promise<number> {
  const env = new Map<string, string>();
  for (const file of flags.envFile) parseEnvFile(file, process.env, env);
  for (const entry of flags.env) parseEnvEntry(entry, process.env, env);
  const volumes = [...flags.volume.map(parseVolume), ...flags.dir.map(parseDir)];
  for (const path of [flags.workdir, ...flags.tmpfs]) {
    if (path !== undefined && !path.startsWith('/')) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `container paths must be absolute: ${path}`);
    }
  }
  parseIsolationFlags(flags);

  let program: Program;
  if (isFileTarget(target)) {
    program = {
      bytes: readProgram(target),
      label: target,
      argv: [target, ...args],
      env,
      workdir: flags.workdir,
      created: new Date(),
    };
  } else {
    const image = await prepareImage(
      target,
      { args, env, ...(flags.workdir ? { workdir: flags.workdir } : {}) },
      flags,
    );
    program = {
      bytes: image.bytes,
      label: `${image.image.record.name}: ${image.command.argv[0]}`,
      argv: image.command.argv,
      env: image.command.env,
      workdir: image.command.workdir,
      image,
      created: new Date(),
    };
  }

  const isComponent = detectWasm(program.bytes) === 'component';
  let module: WebAssembly.Module | undefined;
  if (!isComponent) {
    try {
      module = await WebAssembly.compile(program.bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw new RuntimeError(
        'ERR_COMPILE',
        `${program.label}: invalid WebAssembly module: ${(error as Error).message}`,
      );
    }
  }
  const keep = flags.name === undefined ? undefined : await prepareKeep(flags.name, program);
  const { exitCode, upperTar } = await execute(program, module, volumes, flags, keep !== undefined);
  if (keep && program.image) {
    // vm: the worker returned the layer; none after a kill or timeout (it went with the worker).
    if (parseIsolationFlags(flags).mode === 'vm' && !upperTar) {
      writeSync(2, `wasmbox: ${flags.name}: kept without its writes: they ended with its killed worker\n`);
    }
    await keepContainer(
      keep,
      {
        name: flags.name!,
        image: program.image.image,
        command: program.image.command,
        exitCode,
        ...(upperTar ? { upperTar } : { overlay: program.image.root }),
        created: program.created,
      },
      { createHasher: nodeSha256 },
    );
  }
  return exitCode;
}

/** `--name`: checked before the guest starts, so a taken name costs no run. */
async function prepareKeep(name: string, program: Program): Promise<ContainerStore> {
  if (!program.image) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      '--name keeps containers of images; a .wasm file has no image',
    );
  }
  const containers = openNodeContainers(process.env);
  await checkNameFree(containers, name);
  return containers;
}

async function execute(
  program: Program,
  module: WebAssembly.Module | undefined,
  volumes: VolumeSpec[],
  flags: RunFlags,
  keep: boolean,
): Promise<{ exitCode: number; upperTar?: Uint8Array[] }> {
  const stdinGranted = flags.interactive || !process.stdin.isTTY;
  const guestEnv = [...program.env].map(([k, v]) => `${k}=${v}`);

  if (isolatedRunNeeded(flags)) {
    const { mode } = parseIsolationFlags(flags);
    const hostMounts = volumes.map((v) => ({ hostPath: v.host, target: v.guest, readOnly: v.readOnly }));
    const image = program.image;
    return runIsolated(
      {
        bytes: program.bytes,
        module,
        args: program.argv,
        env: guestEnv,
        hostMounts,
        stdinGranted,
        tmpfs: flags.tmpfs,
        ...(flags.readOnly ? { readOnly: true } : {}),
        ...(program.workdir ? { workdir: program.workdir } : {}),
        // A vm worker builds its own image root from the layers; shared mode reuses ours.
        ...(image ? (mode === 'vm' ? { layers: await image.layers() } : { root: image.root }) : {}),
        // A kept vm container's writes live in its worker: it sends them back with its exit.
        ...(keep && mode === 'vm' ? { returnUpper: true } : {}),
      },
      flags,
    );
  }

  const root: MemFs | Overlay = program.image?.root ?? new MemFs();
  const rootfs = buildRootfs({
    root,
    mounts: [...volumes.map(mount), ...flags.tmpfs.map((target) => ({ target, dir: new MemFs().root }))],
    ...(program.workdir ? { workdir: program.workdir } : {}),
    ...(flags.readOnly ? { readOnly: true } : {}),
  });
  const kernel = {
    args: program.argv,
    env: guestEnv,
    preopens: rootfs.preopens,
    stdin: stdinGranted ? fdSource(0) : emptySource,
    stdout: fdSink(1),
    stderr: fdSink(2),
  };
  if (!module) {
    // Loaded only for components, so preview1 runs never load the component engine or jco.
    const { runComponent } = await import('../component/run.js');
    const { nodeComponentCache } = await import('../platform/node/component-cache.js');
    const result = await runComponent(program.bytes, { ...kernel, cache: nodeComponentCache(process.env) });
    return { exitCode: result.exitCode & 0xff };
  }
  const result = runModule(module, kernel);
  return { exitCode: result.exitCode & 0xff };
}
