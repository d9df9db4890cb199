// `wasmbox build [-f FILE] -t NAME[:TAG] CONTEXT`: a Containerfile over a local context into an
// image (or, with --format artifact, the CNCF wasm artifact) in the local store.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type BuildFormat, buildImage } from '../build/build.js';
import { RuntimeError } from '../errors.js';
import { nodeBuildContext } from '../platform/node/build-context.js';
import { nodeSha256 } from '../platform/node/hash.js';
import { openNodeStore } from '../platform/node/images.js';
import type { VerbContext } from './main.js';
import { collect } from './options.js';

interface BuildFlags {
  file?: string;
  tag: string[];
  buildArg: string[];
  format: string;
  platform?: string;
  quiet?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new RuntimeError('ERR_NOT_FOUND', `cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** SOURCE_DATE_EPOCH from --build-arg (BuildKit's spelling) or the environment; default 0. */
function sourceDateEpoch(buildArgs: Record<string, string>): number {
  const text = buildArgs.SOURCE_DATE_EPOCH ?? process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `SOURCE_DATE_EPOCH="${text}" is not a whole number of seconds`,
    );
  }
  return Number(text);
}

export function registerBuild(program: Command, ctx: VerbContext): void {
  program
    .command('build')
    .description('build an image from a Containerfile and a local context')
    .argument('<context>', 'the build context directory')
    .option('-f, --file <path>', 'the Containerfile (default: CONTEXT/Containerfile or CONTEXT/Dockerfile)')
    .option('-t, --tag <name>', 'name the image NAME[:TAG] (repeatable)', collect, [])
    .option('--build-arg <name=value>', 'set an ARG (repeatable)', collect, [])
    .option(
      '--format <format>',
      '"image" (an OCI image) or "artifact" (the CNCF wasm artifact, one module)',
      'image',
    )
    .option('--platform <os/arch>', 'force the platform (default: wasip1/wasm, wasip2/wasm for a component)')
    .option('-q, --quiet', 'print only the manifest digest')
    .action(async (contextDir: string, flags: BuildFlags) => {
      if (flags.format !== 'image' && flags.format !== 'artifact') {
        throw new RuntimeError('ERR_INVALID_ARGUMENT', `--format ${flags.format}: use "image" or "artifact"`);
      }
      const root = resolve(contextDir);
      if (!existsSync(root) || !statSync(root).isDirectory()) {
        throw new RuntimeError('ERR_NOT_FOUND', `build context ${contextDir}: not a directory`);
      }
      const buildArgs: Record<string, string> = {};
      for (const entry of flags.buildArg) {
        const eq = entry.indexOf('=');
        if (eq <= 0)
          throw new RuntimeError('ERR_INVALID_ARGUMENT', `--build-arg ${entry}: expected NAME=VALUE`);
        buildArgs[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      const epoch = sourceDateEpoch(buildArgs);
      delete buildArgs.SOURCE_DATE_EPOCH;
      const file = flags.file ? resolve(flags.file) : undefined;
      // Docker reads FILE.dockerignore next to a -f file before the context's .dockerignore.
      const ignoreFile = file && existsSync(`${file}.dockerignore`) ? `${file}.dockerignore` : undefined;
      const log = (line: string) => {
        if (!flags.quiet) process.stderr.write(`${line}\n`);
      };
      const result = await buildImage({
        store: openNodeStore(process.env),
        context: nodeBuildContext(root),
        ...(file ? { containerfile: readText(file, 'Containerfile'), containerfileName: flags.file! } : {}),
        ...(ignoreFile ? { dockerignore: readText(ignoreFile, '.dockerignore') } : {}),
        tags: flags.tag,
        buildArgs,
        sourceDateEpoch: epoch,
        format: flags.format as BuildFormat,
        ...(flags.platform ? { platform: flags.platform } : {}),
        createHasher: nodeSha256,
        onStep: log,
        onWarning: (message) => process.stderr.write(`wasmbox: warning: ${message}\n`),
      });
      for (const record of result.records) log(`Successfully tagged ${record.name}`);
      process.stdout.write(`${result.digest}\n`);
      ctx.setExit(0);
    });
}
