#!/usr/bin/env node
// The `wasmbox` command: runs the CLI bundle with its code cache (dist/cli/, scripts/build-cli.mjs)
// when it is there and not older than the compiled modules, else the compiled modules in dist/.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';

const entry = new URL('../dist/runtime/cli/main.js', import.meta.url);
const bundle = new URL('../dist/cli/entry.cjs', import.meta.url);
const built = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs;
const modules = built(entry);
if (modules === undefined) {
  process.stderr.write(
    'wasmbox: dist/ is missing: run `npm install` (or `npm run build`) in the wasmbox folder\n',
  );
  process.exit(125);
}
const bundled = built(bundle);
// A bundle older than the compiled modules is stale (tsc ran without the bundler): not used.
const { main } =
  bundled !== undefined && bundled >= modules
    ? createRequire(import.meta.url)(bundle.pathname)
    : await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
