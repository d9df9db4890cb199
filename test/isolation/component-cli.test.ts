// `wasmbox run --isolation/--memory/--timeout COMPONENT.wasm` end to end: the real bin (built by the
// global setup) in child processes; the transpile is made once, in the host, and cached on disk.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleComponent } from '../component/helpers.js';
import { assemble } from '../component/wat.js';
import { Cli, type Ended } from '../helpers/cli.js';
import { COMPONENT_WAT } from './component-wat.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-iso-component-cli-'));
const home = join(tmp, 'home');
const file = (name: string): string => join(tmp, `${name}.component.wasm`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  for (const name of ['hello', 'cat', 'echo-lines']) writeFileSync(file(name), await sampleComponent(name));
  writeFileSync(file('loop'), await assemble(COMPONENT_WAT.loop));
  writeFileSync(file('grow'), await assemble(COMPONENT_WAT.grow));
});

const run = (args: string[], input = ''): Promise<Ended> => {
  const cli = new Cli(['run', ...args], { WASMBOX_HOME: home });
  cli.child.stdin.end(input);
  return cli.ended;
};

describe('wasmbox run --isolation vm COMPONENT', () => {
  it('runs a component in a worker from the host-side transpile cache', async () => {
    const first = await run(['--isolation', 'vm', file('hello'), 'a']);
    expect(first).toEqual({ code: 0, stdout: 'Hello from wasmbox!\narg[1]=a\n', stderr: '' });
    expect(readdirSync(join(home, 'components'))).toHaveLength(1);
    const again = await run(['--isolation', 'hyperv', '-e', 'GREETING=given', file('hello')]);
    expect(again).toEqual({ code: 0, stdout: 'Hello from wasmbox!\nGREETING=given\n', stderr: '' });
    expect(readdirSync(join(home, 'components'))).toHaveLength(1);
  });

  it('answers SIGTERM with status 137: the component runs in a worker the host can stop', async () => {
    // In shared mode SIGTERM would end the whole process (Node's default): no 137, no message.
    const cli = new Cli(['run', '--isolation', 'vm', file('echo-lines')], { WASMBOX_HOME: home });
    cli.child.stdin.write('hi\n');
    await cli.waitFor('you said: hi\n');
    cli.child.kill('SIGTERM');
    expect(await cli.ended).toEqual({
      code: 137,
      stdout: 'you said: hi\n',
      stderr: 'wasmbox: killed by SIGTERM\n',
    });
  });

  it('mounts a host directory read-only in the worker', async () => {
    const data = join(tmp, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'in.txt'), 'from the host\n');
    const r = await run(
      ['--isolation', 'vm', '-v', `${data}:/data:ro`, file('cat'), '/data/in.txt', '-'],
      'and stdin\n',
    );
    expect(r).toEqual({ code: 0, stdout: 'from the host\nand stdin\n', stderr: '' });
  });
});

describe.each(['shared', 'vm'] as const)('wasmbox run --isolation %s COMPONENT', (mode) => {
  it('talks with an interactive component from a pipe, one line at a time', async () => {
    const cli = new Cli(['run', '--isolation', mode, '--timeout', '30s', file('echo-lines')], {
      WASMBOX_HOME: home,
    });
    cli.child.stdin.write('ping\n');
    await cli.waitFor('you said: ping\n');
    cli.child.stdin.write('pong\n');
    await cli.waitFor('you said: pong\n');
    cli.child.stdin.end();
    expect(await cli.ended).toEqual({ code: 0, stdout: 'you said: ping\nyou said: pong\nbye\n', stderr: '' });
  });

  it('kills an endless loop at --timeout with status 137 and says so', async () => {
    const r = await run(['--isolation', mode, '--timeout', '300ms', file('loop')]);
    expect(r).toEqual({
      code: 137,
      stdout: '',
      stderr: 'wasmbox: timeout: the container ran longer than 300ms and was killed\n',
    });
  });

  it('stops a memory-hungry component at --memory', async () => {
    expect((await run(['--isolation', mode, '--memory', '4m', file('grow')])).code).toBe(64);
  });
});
