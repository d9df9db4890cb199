// Test helper for the API's browser tests: bundles with esbuild; serving and Chromium come from
// test/helpers/browser.ts.

import { build } from 'esbuild';

export async function bundle(entryPoints: Record<string, string>, outdir: string): Promise<void> {
  await build({
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: true,
    logLevel: 'error',
    // jco's browser build has a Node-only branch behind a runtime check.
    external: ['node:*'],
  });
}

export { launchChromium, type StaticServer, serveStatic } from '../helpers/browser.js';
