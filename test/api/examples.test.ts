// Exercises the examples as users run them: node-stream.ts and http-server.ts as child processes
// (tsx), the browser page built by its build script and opened in Chromium.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JS build script without type declarations.
import { buildPage, serve } from '../../examples/browser-page/build.mjs';
import { launchChromium } from './browser-harness.js';
import { repoRoot } from './node-env.js';

const home = mkdtempSync(join(tmpdir(), 'wasmbox-examples-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
});

function tsx(script: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, script)], {
    cwd: repoRoot,
    env: { ...process.env, WASMBOX_HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
}

describe('examples', () => {
  it('node-stream.ts streams a container: answers arrive while stdin is still open', async () => {
    const child = tsx('examples/node-stream.ts');
    const stdout = collect(child.stdout);
    child.stdin?.write('first\n');
    // The answer to the first line comes before the input ends: output is streamed.
    for (let i = 0; i < 300 && !stdout().includes('you said: first\n'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(stdout()).toBe('you said: first\n');
    child.stdin?.end('second\n');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stdout()).toBe('you said: first\nyou said: second\nbye\n');
    expect(code).toBe(0);
  });

  it('http-server.ts: a container per request, body as stdin, args, timeout → 504', async () => {
    const child = tsx('examples/http-server.ts', { PORT: '0' });
    const stdout = collect(child.stdout);
    for (let i = 0; i < 300 && !stdout().includes('listening'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const base = /listening on (\S+)/.exec(stdout())?.[1];
    expect(base).toBeDefined();
    const cat = await fetch(`${base}/cat`, { method: 'POST', body: 'echoed body' });
    expect([cat.status, await cat.text()]).toEqual([200, 'echoed body']);
    const hello = await fetch(`${base}/hello?name=web`);
    expect(await hello.text()).toBe('Hello from wasmbox!\narg[1]=web\n');
    const slow = await fetch(`${base}/sha?mib=1000000`);
    expect(slow.status).toBe(504);
    expect(slow.headers.get('x-exit-code')).toBe('137');
    child.kill('SIGTERM');
    expect(
      await new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal))),
    ).toBe(0);
  });

  it('browser-page: the hello image runs in the tab, cat in a worker', async () => {
    const out = await buildPage(mkdtempSync(join(tmpdir(), 'wasmbox-page-')));
    const server = await serve(out);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForFunction(() => document.getElementById('hello')?.textContent?.includes('exit'));
      expect(await page.textContent('#hello')).toMatch(
        /^Hello from wasmbox!\narg\[1\]=from\narg\[2\]=the\narg\[3\]=tab\n\(exit 0/,
      );
      await page.fill('#text', 'typed in the page');
      await page.click('#cat button');
      await page.waitForFunction(() => document.getElementById('cat-out')?.textContent?.includes('exit'));
      expect(await page.textContent('#cat-out')).toBe('typed in the page\n(exit 0, exit)');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});
