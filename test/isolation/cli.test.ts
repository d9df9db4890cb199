// `wasmbox run --isolation/--memory/--timeout` end to end: the real bin (built by the global setup)
// in child processes, with stdin from a pipe, signals and exit statuses.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cli, ROOT } from '../helpers/cli.js';
import { watBytes } from './helpers.js';

const ECHO = join(ROOT, 'images/wasm/echo-lines.wasm');
const HELLO = join(ROOT, 'images/wasm/hello.wasm');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-iso-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function watFile(name: string): string {
  const path = join(tmp, `${name}.wasm`);
  writeFileSync(path, watBytes(name));
  return path;
}

const MODES = ['shared', 'vm'] as const;

describe.each(MODES)('wasmbox run --isolation %s', (mode) => {
  it('runs hello', async () => {
    const r = await new Cli(['run', '--isolation', mode, '--memory', '16m', HELLO]).ended;
    expect(r).toMatchObject({ code: 0, stdout: 'Hello from wasmbox!\n' });
  });

  it('talks with an interactive guest from a pipe, one line at a time', async () => {
    const cli = new Cli(['run', '--isolation', mode, '--timeout', '30s', ECHO]);
    cli.child.stdin.write('ping\n');
    await cli.waitFor('you said: ping\n');
    cli.child.stdin.write('pong\n');
    await cli.waitFor('you said: pong\n');
    cli.child.stdin.end();
    expect(await cli.ended).toEqual({ code: 0, stdout: 'you said: ping\nyou said: pong\nbye\n', stderr: '' });
  });

  it('kills an endless loop at --timeout with status 137 and says so', async () => {
    const r = await new Cli(['run', '--isolation', mode, '--timeout', '300ms', watFile('loop')]).ended;
    expect(r.code).toBe(137);
    expect(r.stderr).toBe('wasmbox: timeout: the container ran longer than 300ms and was killed\n');
  });

  it('stops a memory-hungry guest at --memory', async () => {
    const r = await new Cli(['run', '--isolation', mode, '--memory', '4m', watFile('grow')]).ended;
    expect(r.code).toBe(64);
  });
});

describe('wasmbox run --isolation vm', () => {
  it('answers SIGTERM and Ctrl-C (SIGINT) with status 137', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const cli = new Cli(['run', '--isolation', 'hyperv', ECHO]);
      cli.child.stdin.write('hi\n');
      await cli.waitFor('you said: hi\n');
      cli.child.kill(signal);
      const r = await cli.ended;
      expect(r.code).toBe(137);
      expect(r.stderr).toBe(`wasmbox: killed by ${signal}\n`);
    }
  });

  it('refuses an unknown isolation mode', async () => {
    const r = await new Cli(['run', '--isolation', 'container', HELLO]).ended;
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/invalid isolation "container"/);
  });

  it('refuses a module too big for --memory', async () => {
    const r = await new Cli(['run', '--isolation', 'vm', '--memory', '1m', watFile('big-memory')]).ended;
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/more than the limit/);
  });
});

describe('wasmbox run --isolation shared', () => {
  it('answers Ctrl-C during an endless loop with status 137', async () => {
    const cli = new Cli(['run', '--isolation', 'process', watFile('loop')]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cli.child.kill('SIGINT');
    const r = await cli.ended;
    expect(r.code).toBe(137);
    expect(r.stderr).toBe('wasmbox: killed by SIGINT\n');
  });
});
