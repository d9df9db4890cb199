#!/usr/bin/env node
// The `wasmbox` command: runs a CLI bundle with its code cache (dist/cli/, scripts/build-cli.mjs)
// when it is there and not older than the compiled modules, else the compiled modules in dist/.
// A verb with a bundle of its own (dist/cli/VERB/) runs from it: less to read and deserialise.
// CommonJS on purpose: an ES module entry costs Node's ESM loader set-up (~5 ms) on every command.
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const dist = join(__dirname, '..', 'dist');
const entry = join(dist, 'runtime', 'cli', 'main.js');
const built = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;
const modules = built(entry);
if (modules === undefined) {
  process.stderr.write(
    'wasmbox: dist/ is missing: run `npm install` (or `npm run build`) in the wasmbox folder\n',
  );
  process.exit(125);
}
const args = process.argv.slice(2);
// The verb is the first word that is not an option (the CLI has no global options with values).
const verb = args.find((arg) => !arg.startsWith('-'));
// A bundle older than the compiled modules is stale (tsc ran without the bundler): not used.
const fresh = (path) => (built(path) ?? -1) >= modules;
const bundles = [...(verb && /^[a-z]+$/.test(verb) ? [join(dist, 'cli', verb, 'entry.cjs')] : [])];
bundles.push(join(dist, 'cli', 'entry.cjs'));
const bundle = bundles.find(fresh);
const loading = bundle ? Promise.resolve(require(bundle)) : import(pathToFileURL(entry).href);
loading
  .then(({ main }) => main(args))
  .then((code) => {
    process.exitCode = code;
    // Done: exit now rather than after Node frees the heap on its way out (~5-10 ms), unless
    // output is still queued (pipes on some systems are asynchronous), which a natural exit flushes.
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
  });
