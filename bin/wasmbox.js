#!/usr/bin/env node
// The `wasmbox` command: runs the compiled CLI (npm install builds dist/ through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/runtime/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'wasmbox: dist/ is missing: run `npm install` (or `npm run build`) in the wasmbox folder\n',
  );
  process.exit(125);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
