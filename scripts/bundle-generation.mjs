// Shared by the bundle builders (build-worker.mjs, build-cli.mjs): bundle one entry for Node with
// esbuild (refused when esbuild warned), then publish it as a generation — bundle, V8 code cache,
// and last the loader that names them.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** Writes `data` as `file` through a rename (atomic): readers see the old file or the new one. */
export function writeAtomic(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

/** The bundle's parameter through which its dynamic imports go (the loader passes its import()). */
export const IMPORT = '__wasmboxImport';

/**
 * Bundles `entry` into one CommonJS file for Node: dynamic imports become lazily initialised parts
 * of the same file (parsed, not run, until needed) and every module exists once (RuntimeError stays
 * one class). Its `import(` calls are renamed to IMPORT: inside a vm.Script, import() needs a
 * loader callback, which Node 20 drops for code from a cache. Returns the code.
 */
export async function bundleForNode({ root, entry, plugins = [], external, label }) {
  const result = await build({
    entryPoints: [join(root, entry)],
    write: false,
    outfile: join(root, 'dist', 'bundle.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'es2022',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'silent',
    plugins,
    external,
  });
  refuseWarnings(result, label);
  return Buffer.from(result.outputFiles[0].text.replace(/(?<![\w$.])import\(/g, `${IMPORT}(`));
}

/**
 * The part every loader shares: `${name}.cjs` compiled with the code cache `${name}.cache` (missing
 * or rejected: from source) as a function of the CommonJS parameters and `params`; then `bundle`
 * (its module object) and `load` (an import() for the bundle: the loader is a file Node loaded).
 */
export function compileWithCache(name, params) {
  return `const file = join(__dirname, '${name}.cjs');
let cachedData;
try {
  cachedData = readFileSync(join(__dirname, '${name}.cache'));
} catch {}
const script = new vm.Script(
  \`(function (exports, require, module, __filename, __dirname, ${params.join(', ')}) {\${readFileSync(file, 'utf8')}\\n})\`,
  { filename: file, cachedData },
);
const bundle = { exports: {} };
// The bundle's import() calls come here: this file is a module Node loaded, so its import() works.
const load = (specifier) => import(specifier);`;
}

/** The code cache `worker` posts ({ codeCache }); rejects when it fails or exits first. */
export function codeCacheFrom(worker) {
  return new Promise((resolve, reject) => {
    worker.on('message', (message) => {
      if (message?.error) reject(new Error(message.error));
      else if (!message?.codeCache) return;
      void worker.terminate();
      resolve(message);
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      reject(new Error(`the worker exited (${code}) before making its code cache`)),
    );
  });
}

/**
 * A warning (import.meta in CommonJS, an unresolvable import) means the bundle would behave unlike
 * the modules it comes from: refuse it rather than ship it.
 */
export function refuseWarnings(result, what) {
  if (result.warnings.length === 0) return;
  const text = result.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`).join('\n');
  throw new Error(`the ${what} has warnings:\n${text}`);
}

/**
 * Publishes `code` as generation `PREFIX-HASH` in `outdir`: the bundle, its code cache (made by
 * `makeCodeCache(stagedLoaderPath)`), then `entry.cjs` = `loader(name)`, so a process starting now
 * reads a complete generation, old or new. Older generations go; the one just replaced stays for
 * processes that read its loader a moment ago.
 */
export async function publishGeneration({ outdir, prefix, code, loader, makeCodeCache, label }) {
  const name = `${prefix}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`;
  const entry = join(outdir, 'entry.cjs');
  const pattern = new RegExp(`'(${prefix}-[0-9a-f]+)\\.cjs'`);
  let previous;
  try {
    previous = pattern.exec(readFileSync(entry, 'utf8'))?.[1];
  } catch {}

  writeAtomic(join(outdir, `${name}.cjs`), code);
  const staging = join(outdir, `.entry.${process.pid}.cjs`);
  writeFileSync(staging, loader(name));
  try {
    const { codeCache } = await makeCodeCache(staging);
    writeAtomic(join(outdir, `${name}.cache`), codeCache);
  } finally {
    rmSync(staging, { force: true });
  }
  writeAtomic(entry, loader(name));
  const generations = new RegExp(`^(${prefix}-[0-9a-f]+)\\.(cjs|cache)$`);
  for (const file of readdirSync(outdir)) {
    const generation = generations.exec(file)?.[1];
    if (generation && generation !== name && generation !== previous)
      rmSync(join(outdir, file), { force: true });
  }
  console.error(
    `${label}: ${join(outdir, name)}.cjs (${(code.length / 1024).toFixed(0)} KB) and its code cache`,
  );
}
