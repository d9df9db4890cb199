// `runtime.create`: from a target and options to a Container in state `created`: the program
// resolved (pulled, unpacked), compiled once per digest and memory cap, its root built with mounts
// and files, and a launch function that hands the spec to the isolation driver at start.

import type { ComponentCache } from '../component/cache.js';
import { buildRootfs, type MountSpec } from '../container/rootfs.js';
import { digestOf } from '../core/digest.js';
import { RuntimeError } from '../errors.js';
import { prepareModule } from '../isolation/module.js';
import type { MountHost } from '../isolation/seam.js';
import type {
  ContainerSpec,
  GuestModule,
  InputSpec,
  IsolationDriver,
  IsolationMode,
  OutputSpec,
} from '../isolation/types.js';
import { MemFs } from '../vfs/mem.js';
import type { Overlay } from '../vfs/overlay.js';
import { lookup } from '../vfs/resolve.js';
import { FsError } from '../vfs/types.js';
import { raceAbort, throwIfAborted } from './abort.js';
import { launchComponent } from './component.js';
import { Container } from './container.js';
import { type ContainerFs, treeFs } from './container-fs.js';
import type { EventListener } from './events.js';
import { resolveMounts } from './mounts.js';
import { type CreateOptions, checkAbsolute, type Limits, parseLimits, toBytes } from './options.js';
import { type Program, type ProgramContext, type RunTarget, resolveProgram } from './program.js';

export interface CreateEnv extends ProgramContext {
  isolation: IsolationMode;
  driver(mode: IsolationMode): IsolationDriver;
  mountHost?: MountHost;
  componentCache: ComponentCache;
  /** Compiled modules by digest and memory cap, so a module is compiled once per runtime. */
  modules: Map<string, Promise<GuestModule>>;
  emit: EventListener;
  track(container: Container): () => void;
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const reader = stream.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
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
  let guest = env.modules.get(key);
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

/** Writes `files` into a fresh root (shared isolation and components). */
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
  const component = program.kind === 'component';
  if (
    component &&
    (limits.isolation === 'vm' || limits.memoryLimit !== undefined || limits.timeoutMs !== undefined)
  ) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      'vm isolation, memory caps and timeouts apply to preview1 modules only, not yet to components',
    );
  }
  const guest = component ? undefined : await raceAbort(guestModule(env, program, limits), signal, what);
  const mode = limits.isolation;
  const mounts = resolveMounts(options.mounts ?? [], component ? 'shared' : mode, env.mountHost);
  const args = program.argv;
  const guestEnv = [...program.env].map(([k, v]) => `${k}=${v}`);
  const stdinOption = options.stdin;
  let stdinBytes: Uint8Array | undefined;
  let stdinSource: ReadableStream<Uint8Array> | undefined;
  if (typeof stdinOption === 'string' || stdinOption instanceof Uint8Array) stdinBytes = toBytes(stdinOption);
  else if (stdinOption instanceof ReadableStream) {
    // Only a worker can wait for input: in the caller's thread the input must be there first.
    if (mode === 'vm' && !component) stdinSource = stdinOption;
    else stdinBytes = await raceAbort(readAll(stdinOption), signal, what);
  }
  if (component && stdinOption === 'pipe') {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      "stdin 'pipe' is not supported for components yet: pass bytes",
    );
  }
  const stdinPipe = stdinOption === 'pipe' || stdinSource !== undefined;
  const stdin: InputSpec | undefined = stdinPipe ? 'pipe' : stdinBytes;
  const stdout = outputSpec(options.stdout);
  const stderr = outputSpec(options.stderr);
  const workdir = program.workdir;
  const id = newId();
  let launch: () => ReturnType<IsolationDriver['start']>;
  let fs: ContainerFs;

  if (mode === 'vm' && !component) {
    const staging: MemFs | Overlay = program.root ?? new MemFs();
    const staged = new Map<string, Uint8Array>();
    let started = false;
    fs = treeFs(() => staging.root, {
      gate: (access, op, path) => {
        if (started) throw vmRefusal(op, path, 'once it started, its file system lives in its worker');
        if (access === 'mutate')
          throw vmRefusal(op, path, 'before start, only writeFile is staged for the worker');
        if (access === 'write' && !staged.has(path) && existsIn(staging, path)) {
          throw vmRefusal(op, path, 'replacing an image file needs shared isolation');
        }
      },
      onWrite: (path, bytes) => staged.set(path, bytes),
    });
    await writeFiles(fs, options.files);
    const layers = program.layers ? await raceAbort(program.layers(), signal, what) : undefined;
    launch = () => {
      started = true;
      const spec: ContainerSpec = {
        module: guest!,
        args,
        env: guestEnv,
        workdir,
        ...(staged.size ? { files: Object.fromEntries(staged) } : {}),
        ...(mounts.host.length ? { hostMounts: mounts.host } : {}),
        ...(layers?.length ? { layers } : {}),
        ...(options.tmpfs?.length ? { tmpfs: options.tmpfs } : {}),
        ...(options.readOnly ? { readOnly: true } : {}),
        ...(stdin !== undefined ? { stdin } : {}),
        ...(stdout !== undefined ? { stdout } : {}),
        ...(stderr !== undefined ? { stderr } : {}),
        ...(limits.timeoutMs !== undefined ? { timeoutMs: limits.timeoutMs } : {}),
      };
      return env.driver('vm').start(spec);
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
    launch = component
      ? () =>
          launchComponent({
            bytes: program.bytes!,
            cache: env.componentCache,
            args,
            env: guestEnv,
            preopens: buildRootfs({ root, workdir, ...(options.readOnly ? { readOnly: true } : {}) })
              .preopens,
            ...(stdinBytes ? { stdin: stdinBytes } : {}),
            stdout: stdout === undefined ? false : stdout === 'pipe' ? true : outputCallback(stdout),
            stderr: stderr === undefined ? false : stderr === 'pipe' ? true : outputCallback(stderr),
          })
      : () =>
          env.driver('shared').start({
            module: guest!,
            args,
            env: guestEnv,
            workdir,
            root,
            ...(options.readOnly ? { readOnly: true } : {}),
            ...(stdin !== undefined ? { stdin } : {}),
            ...(stdout !== undefined ? { stdout } : {}),
            ...(stderr !== undefined ? { stderr } : {}),
            ...(limits.timeoutMs !== undefined ? { timeoutMs: limits.timeoutMs } : {}),
          });
  }
  throwIfAborted(signal, what);
  let untrack = (): void => {};
  const container = new Container({
    id,
    ...(program.image ? { image: program.image } : {}),
    isolation: component ? 'component' : mode,
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

function outputCallback(spec: OutputSpec): (chunk: Uint8Array) => void {
  if (typeof spec === 'function') return spec;
  if (spec === 'pipe') throw new RuntimeError('ERR_INVALID_ARGUMENT', 'unexpected pipe');
  return (chunk) => spec.write(chunk);
}

function existsIn(root: MemFs | Overlay, path: string): boolean {
  try {
    const relative = path.replace(/^\/+/, '') || '.';
    return lookup(root.root, relative, { follow: true, root: root.root }).node !== undefined;
  } catch (error) {
    if (error instanceof FsError) return false;
    throw error;
  }
}

function vmRefusal(op: string, path: string, why: string): RuntimeError {
  return new RuntimeError(
    'ERR_NOT_SUPPORTED',
    `${op} ${path}: the container runs in vm isolation, and ${why}`,
  );
}
