// Preview2 components through the library in both isolation modes (Node): the runtime prepares a
// component once (transpile, memory cap) and starts it under the same driver as a module, with
// stdin pipes, timeouts, memory caps and `container.fs` after exit.

import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { adaptModule, sampleComponent } from '../component/helpers.js';
import { assemble } from '../component/wat.js';
import { COMPONENT_WAT } from '../isolation/component-wat.js';
import { guestBytes, nodeEnv } from './node-env.js';

const env = nodeEnv();
// One transpile per component for the whole file, as the Node entry's disk cache gives across runs.
const componentCache = new MemoryComponentCache();
const rt = env.createRuntime({ componentCache, pool: 1 });
afterAll(async () => {
  await rt.close();
  rmSync(env.home, { recursive: true, force: true });
});

const encode = (text: string) => new TextEncoder().encode(text);
const writeFile = adaptModule(guestBytes('write-file'));

describe.each(['shared', 'vm'] as const)('components through the %s driver', (isolation) => {
  it('run with args, env and the mode asked for', async () => {
    const result = await rt.exec(await sampleComponent('hello'), { isolation, name: 'hello', args: ['a b'] });
    expect(result).toMatchObject({ code: 0, reason: 'exit', stdout: 'Hello from wasmbox!\narg[1]=a b\n' });
    const c = await rt.create(await sampleComponent('hello'), { isolation });
    expect(c.isolation).toBe(isolation);
    c.kill();
  });

  it("stdin 'pipe': lines in, answers out", async () => {
    const c = await rt.run(await sampleComponent('echo-lines'), { isolation, stdin: 'pipe' });
    const writer = c.stdin!.getWriter();
    const output = new Response(c.stdout).text();
    await writer.write(encode('one\ntwo\n'));
    await writer.close();
    expect(await output).toBe('you said: one\nyou said: two\nbye\n');
    expect((await c.exit).code).toBe(0);
  });

  it('a timeout kills it (137) and a memory cap makes its memory.grow fail', async () => {
    const loop = await rt.exec(await assemble(COMPONENT_WAT.loop), { isolation, timeout: '200ms' });
    expect([loop.code, loop.reason, loop.signal]).toEqual([137, 'timeout', 'SIGKILL']);
    const capped = await rt.exec(await assemble(COMPONENT_WAT.grow), { isolation, memory: '1m' });
    expect(capped.code).toBe(16);
    const uncapped = await rt.exec(await assemble(COMPONENT_WAT.grow), { isolation });
    expect(uncapped.code).toBe(255);
  });

  it('container.fs after exit shows what it wrote', async () => {
    const c = await rt.run(await writeFile, { isolation, files: { '/in/a.txt': 'staged' } });
    expect((await c.exit).code).toBe(0);
    expect(await c.fs.readText('/out.txt')).toBe('written by the guest\n');
    expect(await c.fs.readdir('/')).toEqual(['in', 'out.txt']);
  });
});

describe('components in vm isolation', () => {
  it('talk line by line: the guest waits in its worker for each line', async () => {
    const c = await rt.run(await sampleComponent('echo-lines'), { isolation: 'vm', stdin: 'pipe' });
    const writer = c.stdin!.getWriter();
    const reader = c.stdout.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (const line of ['ping', 'pong']) {
      await writer.write(encode(`${line}\n`));
      // The answer arrives before stdin ends: the guest read this line and waits for the next.
      while (!text.endsWith('\n')) text += decoder.decode((await reader.read()).value);
      expect(text).toBe(`you said: ${line}\n`);
      text = '';
    }
    await writer.close();
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value);
    }
    expect(text).toBe('bye\n');
    expect((await c.exit).code).toBe(0);
  });
});
