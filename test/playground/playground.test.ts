// The playground end to end in Debian's Chromium: built with Vite, served cross-origin isolated from
// 127.0.0.1, running the shipped images in both isolation modes, talking to an interactive program,
// pulling from a real registry through a CORS front, and browsing a container's files.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, type StaticServer, serveStatic } from '../helpers/browser.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { type CorsProxy, startCorsProxy } from './cors-proxy.js';
import { pushScribble } from './fixture-image.js';

const repo = new URL('../../', import.meta.url).pathname;
const artifacts = join(repo, 'test-artifacts');

let outDir: string;
let server: StaticServer;
let registry: TestRegistry;
let proxy: CorsProxy;
let scribble: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'wasmbox-playground-'));
  await build({
    configFile: join(repo, 'examples/playground/vite.config.ts'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  [server, registry] = await Promise.all([serveStatic(outDir), startRegistry('anonymous')]);
  scribble = pushScribble(registry);
  proxy = await startCorsProxy(registry.host);
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await registry?.stop();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const errors: string[] = [];

beforeEach(async () => {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1400, height: 1150 } });
  page = await context.newPage();
  errors.length = 0;
  page.on('pageerror', (error) => errors.push(error.message));
});

/** The visible terminal's text. */
function screen(): Promise<string | null> {
  return page.locator('.term-host:not([hidden]) .xterm-rows').textContent();
}

async function waitForScreen(text: string): Promise<void> {
  await expect.poll(screen, { timeout: 10_000 }).toContain(text);
}

async function run(image: string, mode: 'shared' | 'vm', args = ''): Promise<void> {
  await page.check(`input[name=isolation][value=${mode}]`);
  await page.selectOption('#image', image);
  await page.fill('#args', args);
  await page.click('#run');
}

const card = (id: number) => page.locator(`.container[data-id="${id}"]`);

describe('the playground', () => {
  it('runs hello in shared mode and in vm mode, each container on its own kernel', async () => {
    await page.goto(`${server.url}/`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect.poll(() => page.locator('#isolation-notice').getAttribute('class')).toBe('ok');

    await run('hello', 'shared');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    expect(await card(1).getAttribute('data-exit')).toBe('0');
    await waitForScreen('Hello from wasmbox!');
    expect(await screen()).toContain('[exited with status 0]');
    // The shared container sits in the main thread's lane, with its own kernel.
    expect(await page.locator('#lane-shared .kernel').count()).toBe(1);
    expect(await page.locator('#lane-shared .container[data-id="1"]').count()).toBe(1);

    await run('hello', 'vm');
    await card(2).and(page.locator('[data-state=exited]')).waitFor();
    expect(await card(2).getAttribute('data-exit')).toBe('0');
    await waitForScreen('Hello from wasmbox!');
    expect(await page.locator('#lane-vm .worker .container[data-id="2"]').count()).toBe(1);
    expect(await page.locator('#lane-vm .k-title').textContent()).toContain('kernel #2');
    // Per-layer pull progress: the hello image has one layer, read from the page's images/ folder.
    expect(await page.locator('.pull-row[data-role=layer]').count()).toBe(1);
    expect(await page.locator('.pull-row[data-role=layer]').getAttribute('data-status')).toMatch(
      /^(done|exists)$/,
    );
    expect(errors).toEqual([]);
  });

  it('talks to two interactive containers at once in vm mode; Ctrl-C kills one (137)', async () => {
    await page.goto(`${server.url}/`);
    await run('echo-lines', 'vm');
    await card(1).and(page.locator('[data-state=running]')).waitFor();
    await page.locator('.term-host:not([hidden]) .xterm').click();
    await page.keyboard.type('hi there');
    await page.keyboard.press('Enter');
    await waitForScreen('you said: hi there');

    await run('echo-lines', 'vm');
    await card(2).and(page.locator('[data-state=running]')).waitFor();
    // Both run at once, each in its own worker.
    expect(await page.locator('#lane-vm .worker:not(.idle) .container[data-state=running]').count()).toBe(2);
    await page.locator('.term-host:not([hidden]) .xterm').click();
    await page.keyboard.type('second one');
    await page.keyboard.press('Enter');
    await waitForScreen('you said: second one');
    expect(await screen()).not.toContain('hi there');

    await page.keyboard.press('Control+C');
    await card(2).and(page.locator('[data-state=killed]')).waitFor();
    expect(await card(2).getAttribute('data-exit')).toBe('137');
    await waitForScreen('killed by SIGINT (status 137)');

    // The first one is still there and still answers; Ctrl-D ends its input and it says bye.
    await page.locator('.tab[data-id="1"]').click();
    await page.keyboard.type('still here?');
    await page.keyboard.press('Enter');
    await waitForScreen('you said: still here?');
    await page.keyboard.press('Control+D');
    await waitForScreen('bye');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    expect(await card(1).getAttribute('data-exit')).toBe('0');
    await page.screenshot({ path: join(artifacts, 'playground-interactive.png') });
    expect(errors).toEqual([]);
  });

  it('pulls from a registry through a CORS front, layer by layer, and shows what the container wrote', async () => {
    await page.goto(`${server.url}/`);
    await page.selectOption('#image', '@registry');
    const reference = scribble.replace(registry.host, proxy.host);
    await page.fill('#ref', reference);
    await page.check('input[name=isolation][value=shared]');
    await page.click('#run');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    expect(await card(1).getAttribute('data-exit')).toBe('0');
    await waitForScreen('scribbled: notes.txt');

    const layers = page.locator('.pull-row[data-role=layer]');
    expect(await layers.count()).toBe(2);
    for (const row of await layers.all()) expect(await row.getAttribute('data-status')).toBe('done');
    expect(proxy.seen.filter((line) => line.startsWith('GET /v2/playground/scribble/blobs/')).length).toBe(3);

    const file = (path: string) => page.locator(`.file[data-path="${path}"]`);
    await file('/notes.txt').waitFor();
    expect(await file('/notes.txt').getAttribute('data-origin')).toBe('container');
    expect(await file('/etc/motd').getAttribute('data-origin')).toBe('deleted');
    expect(await file('/etc/hostname').getAttribute('data-origin')).toBe('layer-1');
    await expect.poll(() => file('/scribble.wasm').getAttribute('data-origin')).toBe('layer-2');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      file('/notes.txt').locator('button.download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('notes.txt');
    expect(readFileSync(await download.path(), 'utf8')).toBe('written by the container\n');
    expect(errors).toEqual([]);
  });

  it("reaches a registry without CORS through a proxy prefix; a vm container's writes come back", async () => {
    await page.goto(`${server.url}/`);
    await page.selectOption('#image', '@registry');
    await page.fill('#ref', scribble);
    await page.fill('#proxy', `http://${proxy.host}/`);
    await page.check('input[name=isolation][value=vm]');
    await page.click('#run');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    await waitForScreen('scribbled: notes.txt');
    expect(proxy.seen).toContain(`GET /http://${registry.host}/v2/playground/scribble/manifests/latest`);
    // In vm mode the worker sends the writable layer back at exit: the browser shows the writes.
    const file = (path: string) => page.locator(`.file[data-path="${path}"]`);
    await file('/notes.txt').waitFor();
    expect(await file('/notes.txt').getAttribute('data-origin')).toBe('container');
    expect(await file('/etc/motd').getAttribute('data-origin')).toBe('deleted');
    await expect.poll(() => file('/etc/hostname').getAttribute('data-origin')).toBe('layer-1');
    expect(await page.locator('#files .note').textContent()).toContain('sent back at exit');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      file('/notes.txt').locator('button.download').click(),
    ]);
    expect(readFileSync(await download.path(), 'utf8')).toBe('written by the container\n');

    // Without the proxy the page's fetch is refused by CORS (retried as a network error first).
    await page.fill('#proxy', '');
    await page.click('#run');
    await expect.poll(() => page.locator('.pull-status.failed').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('.pull-status').textContent()).toMatch(/^pull failed: .*ERR_NETWORK/);
    expect(errors).toEqual([]);
  });

  it('shows the layers of a multi-layer image in the file browser and keeps several containers in the diagram', async () => {
    await page.goto(`${server.url}/`);
    await run('layered', 'shared');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    await waitForScreen('new.txt');
    const origin = (path: string) => page.locator(`.file[data-path="${path}"]`).getAttribute('data-origin');
    await expect.poll(() => origin('/data/new.txt')).toBe('layer-3');
    expect(await origin('/etc/motd')).toBe('layer-2');
    expect(await origin('/data/opaque/y.txt')).toBe('layer-4');
    expect(await page.locator('.file[data-path="/data/gone.txt"]').count()).toBe(0);
    expect(await page.locator('.file[data-path="/data/opaque/x.txt"]').count()).toBe(0);

    await run('hello', 'vm');
    await card(2).and(page.locator('[data-state=exited]')).waitFor();
    await run('echo-lines', 'vm');
    await card(3).and(page.locator('[data-state=running]')).waitFor();
    await page.locator('.term-host:not([hidden]) .xterm').click();
    await page.keyboard.type('hello, container');
    await page.keyboard.press('Enter');
    await waitForScreen('you said: hello, container');
    await page.locator('.container[data-id="1"]').click();
    await page.screenshot({ path: join(artifacts, 'playground.png') });
    if (process.env.WASMBOX_DOCS_SCREENSHOT) {
      await page.screenshot({ path: join(repo, 'docs/playground.png') });
    }
    expect(errors).toEqual([]);
  });

  it('says what is lost without COOP/COEP, refuses vm, and still runs shared', async () => {
    await page.goto(`${server.url}/plain/`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const notice = page.locator('#isolation-notice');
    await expect.poll(() => notice.getAttribute('class')).toBe('warn');
    const text = await notice.textContent();
    expect(text).toContain('Cross-Origin-Embedder-Policy: require-corp');
    expect(text).toContain('blocking stdin');
    expect(await page.locator('input[name=isolation][value=vm]').isDisabled()).toBe(true);
    await run('hello', 'shared');
    await card(1).and(page.locator('[data-state=exited]')).waitFor();
    await waitForScreen('Hello from wasmbox!');
    expect(errors).toEqual([]);
  });
});
