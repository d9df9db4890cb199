import { describe, expect, it } from 'vitest';
import { resolveCommand } from '../runtime/container/spec.js';

const config = { Entrypoint: ['/bin/ls.wasm'], Cmd: ['/data'], Env: ['A=1', 'B=2'], WorkingDir: '/data' };

describe('resolveCommand (docker override rules)', () => {
  it('uses Entrypoint + Cmd, Env and WorkingDir from the image', () => {
    const c = resolveCommand(config);
    expect(c.argv).toEqual(['/bin/ls.wasm', '/data']);
    expect([...c.env]).toEqual([
      ['A', '1'],
      ['B', '2'],
    ]);
    expect(c.workdir).toBe('/data');
  });

  it('args replace Cmd; -e adds to and overrides Env; -w overrides WorkingDir', () => {
    const c = resolveCommand(config, {
      args: ['/etc'],
      env: [
        ['B', 'x'],
        ['C', '3'],
      ],
      workdir: '/',
    });
    expect(c.argv).toEqual(['/bin/ls.wasm', '/etc']);
    expect(Object.fromEntries(c.env)).toEqual({ A: '1', B: 'x', C: '3' });
    expect(c.workdir).toBe('/');
  });

  it('--entrypoint drops the image Cmd unless args are given', () => {
    expect(resolveCommand(config, { entrypoint: ['/bin/cat.wasm'] }).argv).toEqual(['/bin/cat.wasm']);
    expect(resolveCommand(config, { entrypoint: ['/bin/cat.wasm'], args: ['/etc/motd'] }).argv).toEqual([
      '/bin/cat.wasm',
      '/etc/motd',
    ]);
  });

  it('Cmd alone runs when there is no Entrypoint; nothing at all is an error', () => {
    expect(resolveCommand({ Cmd: ['/x.wasm', 'a'] }).argv).toEqual(['/x.wasm', 'a']);
    expect(() => resolveCommand({})).toThrow(/no command/);
    expect(() => resolveCommand({ Cmd: ['/x.wasm'] }, { workdir: 'rel' })).toThrow(/absolute/);
  });
});
