// The shared API cases (cases.ts) and the browser-only ones, run in Chromium against the browser
// entry: bundled with esbuild, served from 127.0.0.1 cross-origin isolated, one test per case.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserCases } from './browser-cases.js';
import { bundle, launchChromium, type StaticServer, serveStatic } from './browser-harness.js';
import { cases, type Guest } from './cases.js';
import { guestBytes, repoRoot } from './node-env.js';

const out = mkdtempSync(join(tmpdir(), 'wasmbox-browser-'));
let server: StaticServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await bundle(
    {
      runner: join(repoRoot, 'test/api/browser-runner.ts'),
      'worker-entry': join(repoRoot, 'runtime/platform/browser/worker-entry.ts'),
    },
    out,
  );
  writeFileSync(join(out, 'index.html'), '<!doctype html><script type="module" src="/runner.js"></script>');
  mkdirSync(join(out, 'wasm'));
  const guests: Guest[] = ['hello', 'cat', 'echo-lines', 'fsx', 'ls', 'write-file', 'loop'];
  for (const name of guests) writeFileSync(join(out, 'wasm', `${name}.wasm`), guestBytes(name));
  server = await serveStatic({ '/': out, '/images/': join(repoRoot, 'images') });
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => Array.isArray(window.caseNames));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('library API in Chromium', () => {
  for (const c of [...cases, ...browserCases]) {
    it(c.name, async () => {
      const failure = await page.evaluate((name) => window.runCase(name), c.name);
      expect(failure).toBeNull();
      expect(pageErrors).toEqual([]);
    });
  }
});
