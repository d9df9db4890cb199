#!/usr/bin/env node
// The `wasmbox` command: runs the CLI bundle with its code cache (dist/cli/, scripts/build-cli.mjs)
// when it is there and not older than the compiled modules, else the compiled modules in dist/.
// CommonJS on purpose: an ES module entry costs Node's ESM loader set-up (~5 ms) on every command.
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const entry = join(__dirname, '..', 'dist', 'runtime', 'cli', 'main.js');
const bundle = join(__dirname, '..', 'dist', 'cli', 'entry.cjs');
const built = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;
const modules = built(entry);
if (modules === undefined) {
  process.stderr.write(
    'wasmbox: dist/ is missing: run `npm install` (or `npm run build`) in the wasmbox folder\n',
  );
  process.exit(125);
}
const bundled = built(bundle);
// A bundle older than the compiled modules is stale (tsc ran without the bundler): not used.
const loading =
  bundled !== undefined && bundled >= modules
    ? Promise.resolve(require(bundle))
    : import(pathToFileURL(entry).href);
loading
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
