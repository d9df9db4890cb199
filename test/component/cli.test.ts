// `wasmbox run X.wasm` with a component: the real bin (built by the global setup) in a child
// process, its transpile cached under $WASMBOX_HOME/components.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleComponent } from './helpers.js';
import { assemble, WAT } from './wat.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/wasmbox.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-component-cli-'));
const home = join(tmp, 'home');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function wasmbox(args: string[], input = '') {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input,
    env: { PATH: process.env.PATH ?? '', WASMBOX_HOME: home, GREETING: 'from the host' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('wasmbox run COMPONENT', () => {
  beforeAll(async () => {
    writeFileSync(join(tmp, 'hello.wasm'), await sampleComponent('hello'));
    writeFileSync(join(tmp, 'cat.wasm'), await sampleComponent('cat'));
    writeFileSync(join(tmp, 'exit42.wasm'), await assemble(WAT.exitWithCode(42)));
  });

  it('runs a component, caches its transpile, and runs it again from the cache', () => {
    const first = wasmbox(['run', join(tmp, 'hello.wasm'), 'a']);
    expect(first).toEqual({ code: 0, stdout: 'Hello from wasmbox!\narg[1]=a\n', stderr: '' });
    expect(readdirSync(join(home, 'components'))).toHaveLength(1);
    const again = wasmbox(['run', '-e', 'GREETING=given', join(tmp, 'hello.wasm')]);
    expect(again).toEqual({ code: 0, stdout: 'Hello from wasmbox!\nGREETING=given\n', stderr: '' });
    expect(readdirSync(join(home, 'components'))).toHaveLength(1);
  });

  it('passes exit statuses', () => {
    expect(wasmbox(['run', join(tmp, 'hello.wasm'), '--exit', '3']).code).toBe(1);
    expect(wasmbox(['run', join(tmp, 'exit42.wasm')]).code).toBe(42);
  });

  it('mounts host directories and reads stdin', () => {
    const data = join(tmp, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'in.txt'), 'mounted\n');
    const r = wasmbox(
      ['run', '-v', `${data}:/data:ro`, join(tmp, 'cat.wasm'), '/data/in.txt', '-'],
      'piped\n',
    );
    expect(r).toEqual({ code: 0, stdout: 'mounted\npiped\n', stderr: '' });
    expect(readFileSync(join(data, 'in.txt'), 'utf8')).toBe('mounted\n');
  });
});
