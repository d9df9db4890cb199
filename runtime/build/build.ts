// `wasmbox build`: runs a Containerfile over a build context and writes an OCI image (one gzip
// layer per COPY/ADD, reproducible) or the CNCF wasm artifact into the content store, then
// records it under each tag. Lifecycle: parse → FROM (base from the local store) → instructions
// in order → platform from the entrypoint's wasm header → config → manifest → records.

import { type ImageRecord, putBlob, recordAnnotations, type Store } from '../content/store.js';
import type { Descriptor } from '../core/descriptor.js';
import { type Digest, digestOf, type HasherFactory, nobleSha256 } from '../core/digest.js';
import { MediaTypes } from '../core/media-types.js';
import { detectWasm } from '../engine/detect.js';
import { RuntimeError } from '../errors.js';
import { loadImage } from '../image/images.js';
import { isWasmPlatform, parsePlatform } from '../image/platform.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { type Containerfile, type Instruction, parseContainerfile, syntaxError } from './containerfile.js';
import { type BuildContext, FilteredContext } from './context.js';
import { cleanAbsolute, runCopy } from './copy.js';
import { ImageFs } from './image-fs.js';
import { packLayer } from './layer.js';
import { IgnoreRules } from './patterns.js';
import { type LexOptions, lexWord, parsePairs, shellFormWords, splitRaw } from './words.js';

export type BuildFormat = 'image' | 'artifact';

export interface BuildOptions {
  store: Store;
  context: BuildContext;
  /** The Containerfile text; default: `Containerfile` or `Dockerfile` in the context, or, when
   * there is neither, an implicit one for a context holding a single `.wasm`. */
  containerfile?: string;
  /** Name used in messages (default: the file found, or `Containerfile`). */
  containerfileName?: string;
  /** `.dockerignore` text; default: the context's own `.dockerignore`. */
  dockerignore?: string;
  /** Names to record the image under (`-t`); at least one. */
  tags: readonly string[];
  /** `--build-arg NAME=VALUE`. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Seconds since the epoch for `created` and every mtime (SOURCE_DATE_EPOCH); default 0. */
  sourceDateEpoch?: number;
  /** `image` (default) or the CNCF wasm `artifact` (one module, no file system). */
  format?: BuildFormat;
  /** Forces `os/arch` (a wasm platform) instead of reading it from the entrypoint. */
  platform?: string;
  createHasher?: HasherFactory;
  /** Each instruction as it starts, e.g. `[3/5] COPY hello.wasm /`. */
  onStep?: (line: string) => void;
  onWarning?: (message: string) => void;
}

export interface BuildResult {
  digest: Digest;
  mediaType: string;
  size: number;
  platform: string;
  format: BuildFormat;
  records: ImageRecord[];
}

/** Annotation crun (and podman/CRI-O, which pass it on) read to run an image with a wasm handler. */
export const wasmVariantAnnotation = 'module.wasm.image/variant';

interface ImageConfigBody {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

interface History {
  created: string;
  created_by: string;
  empty_layer?: boolean;
  comment?: string;
}

interface BuildState {
  file: Containerfile;
  ctx: FilteredContext;
  fs: ImageFs;
  env: [string, string][];
  args: Map<string, string>;
  labels: Map<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  cmdSetHere: boolean;
  /** Lines that set the entrypoint and the command (0: inherited), for errors about the program. */
  entrypointLine: number;
  cmdLine: number;
  workdir?: string;
  layers: Descriptor[];
  diffIds: string[];
  history: History[];
  baseOs?: string;
  fromScratch: boolean;
  /** Lines of instructions the artifact format cannot express. */
  runConfigLines: { keyword: string; line: number }[];
}

const encoder = new TextEncoder();

async function findContainerfile(context: BuildContext): Promise<{ text: string; name: string } | undefined> {
  for (const name of ['Containerfile', 'Dockerfile']) {
    const entry = await context.lstat(name);
    if (entry?.kind === 'file') return { text: new TextDecoder().decode(await context.read(name)), name };
  }
  return undefined;
}

/** No Containerfile: a context with exactly one top-level `.wasm` is that program, run as the entrypoint. */
async function implicitContainerfile(ctx: FilteredContext): Promise<string> {
  const wasm = (await ctx.context.list(''))
    .filter((n) => n.endsWith('.wasm') && !ctx.ignore.ignores(n))
    .sort();
  if (wasm.length !== 1) {
    throw new RuntimeError(
      'ERR_NOT_FOUND',
      `the build context has no Containerfile or Dockerfile${wasm.length > 1 ? ` and ${wasm.length} .wasm files` : ''} (name one with -f)`,
    );
  }
  const name = JSON.stringify(`/${wasm[0]}`);
  return `FROM scratch\nCOPY --chmod=755 ${JSON.stringify(wasm[0])} /\nENTRYPOINT [${name}]\n`;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

function vars(state: BuildState): Map<string, string> {
  return new Map([...state.args, ...state.env]);
}

/** Builds the image and records it under every tag; returns the manifest digest. */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const hasher = options.createHasher ?? nobleSha256;
  const epoch = options.sourceDateEpoch ?? 0;
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `SOURCE_DATE_EPOCH must be a whole number of seconds, not ${epoch}`,
    );
  }
  const created = isoTime(epoch);
  const format = options.format ?? 'image';
  if (options.tags.length === 0)
    throw new RuntimeError('ERR_INVALID_ARGUMENT', 'wasmbox build needs a name: -t NAME[:TAG]');
  const names = options.tags.map((tag) => {
    const ref = parseReference(tag);
    if (ref.transport !== 'registry' || ref.digest) {
      throw new RuntimeError(
        'ERR_INVALID_ARGUMENT',
        `-t ${tag}: a build is named NAME[:TAG], not a digest or a layout`,
      );
    }
    return formatReference(ref);
  });

  const ignoreText =
    options.dockerignore ??
    ((await options.context.lstat('.dockerignore'))?.kind === 'file'
      ? new TextDecoder().decode(await options.context.read('.dockerignore'))
      : undefined);
  const ctx = new FilteredContext(options.context, new IgnoreRules(ignoreText));
  let text = options.containerfile;
  let fileName = options.containerfileName ?? 'Containerfile';
  if (text === undefined) {
    const found = await findContainerfile(options.context);
    if (found) [text, fileName] = [found.text, options.containerfileName ?? found.name];
    else [text, fileName] = [await implicitContainerfile(ctx), '(implicit Containerfile)'];
  }
  const file = parseContainerfile(text, fileName);

  const state: BuildState = {
    file,
    ctx,
    fs: new ImageFs(),
    env: [],
    args: new Map(),
    labels: new Map(),
    cmdSetHere: false,
    entrypointLine: 0,
    cmdLine: 0,
    layers: [],
    diffIds: [],
    history: [],
    fromScratch: true,
    runConfigLines: [],
  };
  const buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
  const usedArgs = new Set<string>();
  const globalArgs = new Map<string, string>();
  let platformFlag = options.platform;
  let seenFrom = false;
  const total = file.instructions.length;

  for (const [index, ins] of file.instructions.entries()) {
    options.onStep?.(`[${index + 1}/${total}] ${ins.text}`);
    const where = `${file.name}:${ins.line}`;
    const lex: LexOptions = { escapeChar: file.escape, expand: true, where };
    if (ins.keyword === 'ARG') {
      for (const [name, fallback] of parseArgs(ins, lex, seenFrom ? vars(state) : globalArgs)) {
        usedArgs.add(name);
        const value = buildArgs.get(name) ?? fallback ?? (seenFrom ? globalArgs.get(name) : undefined);
        const scope = seenFrom ? state.args : globalArgs;
        if (value !== undefined) scope.set(name, value);
        else scope.delete(name);
      }
      continue;
    }
    if (ins.keyword === 'FROM') {
      if (seenFrom) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `${where}: a second FROM: multi-stage builds are not supported`,
        );
      }
      seenFrom = true;
      const platform = ins.flags.get('platform');
      if (platform !== undefined) platformFlag ??= lexWord(platform, globalArgs, lex);
      await from(state, options.store, ins, lex, globalArgs);
      continue;
    }
    await dispatch(state, ins, lex, options, epoch, created, hasher);
  }
  const unused = [...buildArgs.keys()].filter((k) => !usedArgs.has(k));
  if (unused.length > 0) options.onWarning?.(`build args not consumed by any ARG: ${unused.join(', ')}`);

  const result =
    format === 'artifact'
      ? await writeArtifact(state, options, created, hasher, platformFlag)
      : await writeImage(state, options, created, hasher, platformFlag);
  const records: ImageRecord[] = [];
  for (const name of names) {
    const record: ImageRecord = {
      name,
      digest: result.digest,
      mediaType: MediaTypes.ociManifest,
      size: result.size,
      annotations: {
        [recordAnnotations.platform]: result.platform,
        [recordAnnotations.packaging]: format === 'artifact' ? 'wasm-artifact' : 'image',
        [recordAnnotations.created]: created,
      },
    };
    await options.store.putImage(record);
    records.push(record);
  }
  return { ...result, mediaType: MediaTypes.ociManifest, format, records };
}

function parseArgs(
  ins: Instruction,
  lex: LexOptions,
  scope: Map<string, string>,
): [string, string | undefined][] {
  const words = splitRaw(ins.args, lex.escapeChar, lex.where);
  if (words.length === 0) throw syntaxError(lex.where.split(':')[0]!, ins.line, 'ARG needs a name');
  return words.map((word) => {
    const eq = word.indexOf('=');
    const name = eq === -1 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `${lex.where}: "${name}" is not a valid ARG name`);
    }
    return [name, eq === -1 ? undefined : lexWord(word.slice(eq + 1), scope, lex)];
  });
}

async function from(
  state: BuildState,
  store: Store,
  ins: Instruction,
  lex: LexOptions,
  globalArgs: Map<string, string>,
): Promise<void> {
  const words = splitRaw(ins.args, lex.escapeChar, lex.where).map((w) => lexWord(w, globalArgs, lex));
  if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `${lex.where}: FROM takes IMAGE [AS NAME]`);
  }
  const image = words[0]!;
  if (image === 'scratch') return;
  state.fromScratch = false;
  let base: Awaited<ReturnType<typeof loadImage>>;
  try {
    base = await loadImage(store, image);
  } catch (error) {
    if (error instanceof RuntimeError)
      throw new RuntimeError(error.code, `${lex.where}: FROM ${image}: ${error.message}`);
    throw error;
  }
  const config = base.config;
  if (base.packaging !== 'image' || !config || !isWasmPlatform(config)) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      `${lex.where}: FROM ${image}: only a wasm image with tar layers can be a base (it is ${base.packaging}, ${base.platform || 'no platform'})`,
    );
  }
  state.baseOs = config.os;
  const c = config.config ?? {};
  for (const entry of c.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) state.env.push([entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  if (c.Entrypoint) state.entrypoint = [...c.Entrypoint];
  if (c.Cmd) state.cmd = [...c.Cmd];
  if (c.WorkingDir) state.workdir = c.WorkingDir;
  for (const [k, v] of Object.entries(c.Labels ?? {})) state.labels.set(k, v);
  state.layers.push(...base.layers);
  const rootfs = (config as { rootfs?: { diff_ids?: string[] } }).rootfs;
  state.diffIds.push(...(rootfs?.diff_ids ?? []));
  state.history.push(...((config as { history?: History[] }).history ?? []));
  for (const layer of base.layers) await state.fs.applyStored(store, layer);
}

function commandWords(ins: Instruction, lex: LexOptions): string[] {
  if (ins.json) return ins.json;
  return shellFormWords(ins.args, lex, ins.keyword);
}

async function dispatch(
  state: BuildState,
  ins: Instruction,
  lex: LexOptions,
  options: BuildOptions,
  epoch: number,
  created: string,
  hasher: HasherFactory,
): Promise<void> {
  const where = lex.where;
  const metadata = (comment?: string) =>
    state.history.push({ created, created_by: ins.text, empty_layer: true, ...(comment ? { comment } : {}) });
  switch (ins.keyword) {
    case 'ENV': {
      for (const [key, value] of parsePairs(ins.args, vars(state), lex, 'ENV')) {
        const at = state.env.findIndex(([k]) => k === key);
        if (at === -1) state.env.push([key, value]);
        else state.env[at] = [key, value];
      }
      state.runConfigLines.push({ keyword: 'ENV', line: ins.line });
      metadata();
      return;
    }
    case 'LABEL': {
      for (const [key, value] of parsePairs(ins.args, vars(state), lex, 'LABEL'))
        state.labels.set(key, value);
      metadata();
      return;
    }
    case 'WORKDIR': {
      const path = lexWord(ins.args.trim(), vars(state), lex);
      if (path === '') throw new RuntimeError('ERR_INVALID_ARGUMENT', `${where}: WORKDIR needs a path`);
      const base = path.startsWith('/') ? '' : (state.workdir ?? '/');
      state.workdir = `/${cleanAbsolute(`${base}/${path}`)}`;
      state.runConfigLines.push({ keyword: 'WORKDIR', line: ins.line });
      metadata();
      return;
    }
    case 'ENTRYPOINT': {
      state.entrypoint = commandWords(ins, lex);
      state.entrypointLine = ins.line;
      // Docker: a new ENTRYPOINT drops a CMD inherited from the base image.
      if (!state.cmdSetHere) state.cmd = undefined;
      metadata();
      return;
    }
    case 'CMD': {
      state.cmd = commandWords(ins, lex);
      state.cmdLine = ins.line;
      state.cmdSetHere = true;
      state.runConfigLines.push({ keyword: 'CMD', line: ins.line });
      metadata();
      return;
    }
    case 'COPY':
    case 'ADD': {
      const flags = ins.flags;
      if (flags.has('from')) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `${where}: ${ins.keyword} --from: multi-stage builds are not supported`,
        );
      }
      for (const flag of ['parents', 'exclude', 'checksum', 'keep-git-dir']) {
        if (flags.has(flag))
          throw new RuntimeError('ERR_NOT_SUPPORTED', `${where}: ${ins.keyword} --${flag} is not supported`);
      }
      const chown = flags.get('chown');
      if (chown !== undefined && !/^(0|root)(:(0|root))?$/.test(lexWord(chown, vars(state), lex))) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `${where}: ${ins.keyword} --chown=${chown}: files in wasmbox images are owned by 0:0`,
        );
      }
      let chmod: number | undefined;
      const chmodText = flags.get('chmod');
      if (chmodText !== undefined) {
        const value = lexWord(chmodText, vars(state), lex);
        if (!/^[0-7]{3,4}$/.test(value)) {
          throw new RuntimeError(
            'ERR_INVALID_ARGUMENT',
            `${where}: --chmod=${value}: expected an octal mode such as 755`,
          );
        }
        chmod = Number.parseInt(value, 8);
      }
      const words = ins.json
        ? ins.json.map((w) => lexWord(w, vars(state), { ...lex }))
        : splitRaw(ins.args, lex.escapeChar, where).map((w) => lexWord(w, vars(state), lex));
      if (words.length < 2) {
        throw new RuntimeError(
          'ERR_INVALID_ARGUMENT',
          `${where}: ${ins.keyword} needs a source and a destination`,
        );
      }
      const layer = await runCopy(
        {
          keyword: ins.keyword,
          sources: words.slice(0, -1),
          dest: words.at(-1)!,
          workdir: state.workdir ?? '/',
          ...(chmod !== undefined ? { chmod } : {}),
          where: `${where}: ${ins.keyword}`,
          isDirInImage: (path) => state.fs.isDir(path),
        },
        state.ctx,
      );
      const packed = packLayer(layer, epoch, hasher);
      // An artifact keeps only the module: its tar layers would be garbage in the store.
      if (options.format !== 'artifact') await putBlob(options.store, packed.descriptor, packed.blob);
      await state.fs.apply(packed.tar, packed.descriptor.digest);
      state.layers.push(packed.descriptor);
      state.diffIds.push(packed.diffId);
      state.history.push({ created, created_by: ins.text });
      return;
    }
  }
}

/** The program the image runs: Entrypoint[0], else Cmd[0]. */
function program(state: BuildState): string | undefined {
  return state.entrypoint?.[0] ?? state.cmd?.[0];
}

/** `wasip1` for a core module, `wasip2` for a component, read from the program's header. */
function choosePlatform(
  state: BuildState,
  forced: string | undefined,
  onWarning?: (m: string) => void,
): string {
  if (forced) {
    const platform = parsePlatform(forced);
    if (!isWasmPlatform(platform)) {
      throw new RuntimeError(
        'ERR_NOT_SUPPORTED',
        `--platform ${forced}: wasmbox builds only wasm platforms (e.g. wasip1/wasm)`,
      );
    }
    return `${platform.os}/${platform.architecture}`;
  }
  const path = program(state);
  const bytes = path?.startsWith('/') ? state.fs.readFile(path) : undefined;
  if (bytes) {
    try {
      return detectWasm(bytes) === 'component' ? 'wasip2/wasm' : 'wasip1/wasm';
    } catch (error) {
      const line = state.entrypoint ? state.entrypointLine : state.cmdLine;
      const where = line ? `${state.file.name}:${line}` : state.file.name;
      throw new RuntimeError('ERR_NOT_WASM', `${where}: the entrypoint ${path}: ${(error as Error).message}`);
    }
  }
  if (path)
    onWarning?.(
      `the entrypoint ${path} is not a file in the image: platform ${state.baseOs ?? 'wasip1'}/wasm assumed`,
    );
  return `${state.baseOs ?? 'wasip1'}/wasm`;
}

function sortedRecord(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function putJson(
  store: Store,
  value: unknown,
  hasher: HasherFactory,
): Promise<{ digest: Digest; size: number; bytes: Uint8Array }> {
  const bytes = encoder.encode(JSON.stringify(value));
  const digest = digestOf(bytes, hasher);
  await putBlob(store, { digest, size: bytes.length }, bytes);
  return { digest, size: bytes.length, bytes };
}

async function writeImage(
  state: BuildState,
  options: BuildOptions,
  created: string,
  hasher: HasherFactory,
  forced: string | undefined,
): Promise<{ digest: Digest; size: number; platform: string }> {
  const platform = choosePlatform(state, forced, options.onWarning);
  const [os, architecture] = platform.split('/') as [string, string];
  const run: ImageConfigBody = {};
  if (state.env.length > 0) run.Env = state.env.map(([k, v]) => `${k}=${v}`);
  if (state.entrypoint) run.Entrypoint = state.entrypoint;
  if (state.cmd) run.Cmd = state.cmd;
  if (state.workdir) run.WorkingDir = state.workdir;
  if (state.labels.size > 0) run.Labels = sortedRecord(state.labels);
  const config = await putJson(
    options.store,
    {
      created,
      architecture,
      os,
      config: run,
      rootfs: { type: 'layers', diff_ids: state.diffIds },
      history: state.history,
    },
    hasher,
  );
  const manifest = await putJson(
    options.store,
    {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: config.digest, size: config.size },
      layers: state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      annotations: { [wasmVariantAnnotation]: 'compat' },
    },
    hasher,
  );
  return { digest: manifest.digest, size: manifest.size, platform };
}

/** The CNCF wasm artifact: config `application/vnd.wasm.config.v0+json`, one `application/wasm` layer. */
async function writeArtifact(
  state: BuildState,
  options: BuildOptions,
  created: string,
  hasher: HasherFactory,
  forced: string | undefined,
): Promise<{ digest: Digest; size: number; platform: string }> {
  const name = state.file.name;
  if (!state.fromScratch) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      `${name}: --format artifact needs FROM scratch (an artifact has no layers to build on)`,
    );
  }
  const first = state.runConfigLines[0];
  if (first) {
    throw new RuntimeError(
      'ERR_NOT_SUPPORTED',
      `${name}:${first.line}: --format artifact has no place for ${first.keyword} (it holds one module and no run config)`,
    );
  }
  const files = state.fs.files();
  if (files.length !== 1) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `${name}: --format artifact needs exactly one file, the module; the build made ${files.length}${files.length ? ` (${files.slice(0, 5).join(', ')})` : ''}`,
    );
  }
  const path = files[0]!;
  const entry = program(state);
  if (entry && entry !== path) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `${name}: ENTRYPOINT ${entry} is not the module ${path}`);
  }
  const wasm = state.fs.readFile(path)!;
  let kind: 'module' | 'component';
  try {
    kind = detectWasm(wasm);
  } catch (error) {
    throw new RuntimeError('ERR_NOT_WASM', `${name}: ${path}: ${(error as Error).message}`);
  }
  const platform = forced
    ? choosePlatform(state, forced)
    : kind === 'component'
      ? 'wasip2/wasm'
      : 'wasip1/wasm';
  const [os, architecture] = platform.split('/') as [string, string];
  const layerDigest = digestOf(wasm, hasher);
  await putBlob(options.store, { digest: layerDigest, size: wasm.length }, wasm);
  const config = await putJson(
    options.store,
    { created, architecture, os, layerDigests: [layerDigest] },
    hasher,
  );
  const manifest = await putJson(
    options.store,
    {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.wasmConfigV0, digest: config.digest, size: config.size },
      layers: [{ mediaType: MediaTypes.wasmLayer, digest: layerDigest, size: wasm.length }],
      ...(state.labels.size > 0 ? { annotations: sortedRecord(state.labels) } : {}),
    },
    hasher,
  );
  return { digest: manifest.digest, size: manifest.size, platform };
}
