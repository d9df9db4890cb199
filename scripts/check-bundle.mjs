// Bundle check of the browser entry: esbuild for platform=browser with code splitting. Fails when a
// node:* module is in the entry's graph, or anywhere in our own code; reports the entry's size
// (minified and gzipped) and shows the component engine (jco) is a separate, lazily loaded chunk.
// Then runs publint over the package's exports.
// Usage: node scripts/check-bundle.mjs [--entry FILE] [--no-publint]   (default entry: runtime/browser.ts)

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const entryFile = argv.includes('--entry')
  ? argv[argv.indexOf('--entry') + 1]
  : join(root, 'runtime/browser.ts');
const out = mkdtempSync(join(tmpdir(), 'wasmbox-bundle-'));
const problems = [];

try {
  const result = await build({
    entryPoints: { browser: entryFile },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    metafile: true,
    logLevel: 'error',
    // Kept external so the check can report them instead of failing the build on the first one.
    external: ['node:*'],
  });
  const meta = result.metafile;

  // Which inputs import node:* modules, and how.
  for (const [file, input] of Object.entries(meta.inputs)) {
    for (const imp of input.imports) {
      if (!imp.path.startsWith('node:')) continue;
      const ours = !file.includes('node_modules/');
      // jco's browser build keeps `await import('node:fs/promises')` behind an `isNode` check.
      const guardedJco = file.includes('node_modules/@bytecodealliance/') && imp.kind === 'dynamic-import';
      if (ours || !guardedJco) problems.push(`${file} imports ${imp.path} (${imp.kind})`);
    }
  }

  const outputs = Object.entries(meta.outputs).filter(([file]) => file.endsWith('.js'));
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined);
  if (!entry) throw new Error('no output for the browser entry');
  // Everything the entry loads statically, transitively.
  const statics = new Set([entry[0]]);
  for (const file of statics) {
    for (const imp of meta.outputs[file].imports) {
      if (imp.kind === 'import-statement' && !imp.external) statics.add(imp.path);
      if (imp.external && imp.path.startsWith('node:') && imp.kind !== 'dynamic-import') {
        problems.push(`the entry's static graph loads ${imp.path} (${relative(out, file)})`);
      }
    }
  }
  const isJco = (o) => Object.keys(o.inputs).some((i) => i.includes('node_modules/@bytecodealliance/'));
  for (const file of statics) {
    if (isJco(meta.outputs[file]))
      problems.push(`jco is in the entry's static graph (${relative(out, file)})`);
  }

  const size = (file) => {
    const bytes = readFileSync(file);
    return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const rows = [];
  let staticMin = 0;
  let staticGzip = 0;
  for (const file of statics) {
    const s = size(file);
    staticMin += s.min;
    staticGzip += s.gzip;
  }
  rows.push(['browser entry (static graph)', kb(staticMin), kb(staticGzip), 'loaded with the page']);
  for (const [file, o] of outputs) {
    if (statics.has(file)) continue;
    const s = size(file);
    const what = isJco(o) ? 'component engine + jco (lazy)' : 'lazy chunk';
    rows.push([`${relative(out, file)}: ${what}`, kb(s.min), kb(s.gzip), 'import() on first use']);
  }
  console.log('| output | minified | gzip | when |\n|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  if (!outputs.some(([file, o]) => !statics.has(file) && isJco(o))) {
    problems.push('no separate lazy chunk holds jco');
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (!argv.includes('--no-publint')) {
  try {
    const report = execFileSync('npx', ['publint', '--strict'], { cwd: root, encoding: 'utf8' });
    console.log(report.trim());
  } catch (error) {
    problems.push(`publint: ${error.stdout || error.message}`);
  }
}

if (problems.length > 0) {
  console.error(`bundle check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('bundle check: no node:* in the browser entry; jco is a separate lazy chunk');
