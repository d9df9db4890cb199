// `runtime.create`: from a target and options to a Container in state `created`: the program
// resolved (pulled, unpacked), compiled once per digest and memory cap, its root built with mounts
// and files, and a launch function that hands the spec to the isolation driver at start.

import type { ComponentCache } from '../component/cache.js';
import { buildRootfs, type MountSpec } from '../container/rootfs.js';
import { readAllBytes as readAll } from '../core/bytes.js';
import { digestOf } from '../core/digest.js';
import type { LruCache } from '../core/lru.js';
import { RuntimeError } from '../errors.js';
import { prepareModule } from '../isolation/module.js';
import type { MountHost } from '../isolation/seam.js';
import type {
  ContainerSpec,
  GuestComponent,
  GuestModule,
  InputSpec,
  IsolationDriver,
  IsolationMode,
  OutputSpec,
} from '../isolation/types.js';
import { MemFs } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';
import { raceAbort, throwIfAborted } from './abort.js';
import { componentGuest } from './component.js';
import { Container } from './container.js';
import { type ContainerFs, treeFs, vmFs } from './container-fs.js';
import type { EventListener } from './events.js';
import { resolveMounts } from './mounts.js';
import { type CreateOptions, checkAbsolute, type Limits, parseLimits, toBytes } from './options.js';
import { type Program, type ProgramContext, type RunTarget, resolveProgram } from './program.js';

export interface CreateEnv extends ProgramContext {
  isolation: IsolationMode;
  driver(mode: IsolationMode): IsolationDriver;
  mountHost?: MountHost;
  componentCache: ComponentCache;
  /** Prepared modules and components by digest and memory cap: compiled once per runtime. */
  modules: LruCache<string, Promise<GuestModule | GuestComponent>>;
  emit: EventListener;
  track(container: Container): () => void;
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

function guestModule(env: CreateEnv, program: Program, limits: Limits): Promise<GuestModule> {
  const cap = limits.memoryLimit;
  if (!program.bytes) {
    if (cap !== undefined) {
      throw new RuntimeError(
        'ERR_NOT_SUPPORTED',
        'a memory cap needs the module bytes, not a compiled module',
      );
    }
    return Promise.resolve({ module: program.module! });
  }
  const bytes = program.bytes;
  const key = `${digestOf(bytes)}/${cap ?? ''}`;
  let guest = env.modules.get(key) as Promise<GuestModule> | undefined;
  if (!guest) {
    guest = prepareModule(bytes, cap === undefined ? {} : { memoryLimit: cap });
    env.modules.set(key, guest);
    guest.catch(() => env.modules.delete(key));
  }
  return guest;
}

function outputSpec(option: CreateOptions['stdout']): OutputSpec | undefined {
  if (option === undefined || option === 'pipe') return 'pipe';
  return option === 'ignore' ? undefined : option;
}

/** Writes `files` through the container's fs view (staged for the worker in vm isolation). */
async function writeFiles(fs: ContainerFs, files: CreateOptions['files']): Promise<void> {
  for (const [path, data] of Object.entries(files ?? {})) await fs.writeFile(path, data);
}

/**
 * Order: parse limits and paths → resolve the program (pull, unpack; abortable) → compile (cached)
 * → mounts → the root and its fs view → stdin → a Container whose `launch` starts the driver.
 */
export async function createContainer(
  env: CreateEnv,
  target: RunTarget,
  options: CreateOptions,
): Promise<Container> {
  const signal = options.signal;
  const what = 'create';
  throwIfAborted(signal, what);
  const limits = parseLimits(options, env.isolation);
  if (options.cwd !== undefined) checkAbsolute(options.cwd, 'the working directory');
  for (const path of options.tmpfs ?? []) checkAbsolute(path, 'a tmpfs path');
  for (const path of Object.keys(options.files ?? {})) checkAbsolute(path, 'a file path');
  const program = await resolveProgram(target, options, env);
  throwIfAborted(signal, what);
  // A component runs under the same drivers as a module: the guest is what differs.
  const guest = await raceAbort<GuestModule | GuestComponent>(
    program.kind === 'component'
      ? componentGuest(program.bytes!, {
          cache: env.componentCache,
          guests: env.modules,
          ...(limits.memoryLimit === undefined ? {} : { memoryLimit: limits.memoryLimit }),
        })
      : guestModule(env, program, limits),
    signal,
    what,
  );
  const mode = limits.isolation;
  const mounts = resolveMounts(options.mounts ?? [], mode, env.mountHost);
  const args = program.argv;
  const guestEnv = [...program.env].map(([k, v]) => `${k}=${v}`);
  const stdinOption = options.stdin;
  let stdinBytes: Uint8Array | undefined;
  let stdinSource: ReadableStream<Uint8Array> | undefined;
  if (typeof stdinOption === 'string' || stdinOption instanceof Uint8Array) stdinBytes = toBytes(stdinOption);
  else if (stdinOption instanceof ReadableStream) {
    // Only a worker can wait for input: in the caller's thread the input must be there first.
    if (mode === 'vm') stdinSource = stdinOption;
    else stdinBytes = await raceAbort(readAll(stdinOption), signal, what);
  }
  const stdinPipe = stdinOption === 'pipe' || stdinSource !== undefined;
  const stdin: InputSpec | undefined = stdinPipe ? 'pipe' : stdinBytes;
  const stdout = outputSpec(options.stdout);
  const stderr = outputSpec(options.stderr);
  const workdir = program.workdir;
  const id = newId();
  const common = {
    module: guest,
    args,
    env: guestEnv,
    workdir,
    ...(stdin !== undefined ? { stdin } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
    ...(limits.timeoutMs !== undefined ? { timeoutMs: limits.timeoutMs } : {}),
  } satisfies ContainerSpec;
  let launch: () => ReturnType<IsolationDriver['start']>;
  let fs: ContainerFs;

  if (mode === 'vm') {
    const view = vmFs(program.root ?? new MemFs(), id);
    fs = view.fs;
    await writeFiles(fs, options.files);
    const layers = program.layers ? await raceAbort(program.layers(), signal, what) : undefined;
    launch = () => {
      const spec: ContainerSpec = {
        ...common,
        ...(view.staged.size ? { files: Object.fromEntries(view.staged) } : {}),
        ...(mounts.host.length ? { hostMounts: mounts.host } : {}),
        ...(layers?.length ? { layers } : {}),
        ...(options.tmpfs?.length ? { tmpfs: options.tmpfs } : {}),
        ...(options.readOnly ? { readOnly: true } : {}),
        // The root lives in the worker: its writable layer comes back for `fs` after exit.
        returnUpper: true,
      };
      return view.started(env.driver('vm').start(spec));
    };
  } else {
    const root: MemFs | Overlay = program.root ?? new MemFs();
    const live: MountSpec[] = [
      ...mounts.live,
      ...(options.tmpfs ?? []).map((target) => ({ target, dir: new MemFs().root })),
    ];
    // Mount points and the working directory exist from creation, so `fs` sees them before start.
    buildRootfs({ root, mounts: live, workdir });
    fs = treeFs(() => root.root);
    await writeFiles(fs, options.files);
    launch = () =>
      env.driver('shared').start({ ...common, root, ...(options.readOnly ? { readOnly: true } : {}) });
  }
  throwIfAborted(signal, what);
  let untrack = (): void => {};
  const container = new Container({
    id,
    ...(program.image ? { image: program.image } : {}),
    isolation: mode,
    fs,
    launch,
    stdinPipe,
    ...(stdinSource ? { stdinSource } : {}),
    ...(signal ? { signal } : {}),
    emit: env.emit,
    onSettled: () => untrack(),
  });
  untrack = env.track(container);
  return container;
}
