// `wasmbox run --name NAME --isolation vm IMAGE` through the real command (dist/): the worker sends
// the container's writable layer back with its exit, so diff and cp see the vm container's writes,
// exactly as for the same image run in shared isolation.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watToBytes } from '../helpers/wat.js';
import { writeScribbleLayout } from '../playground/fixture-image.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/wasmbox.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-run-vm-'));
const env = { WASMBOX_HOME: join(tmp, 'home') };
const scribble = join(tmp, 'scribble');
const spinner = join(tmp, 'spinner');

function wasmbox(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  writeScribbleLayout(scribble);
  writeScribbleLayout(
    spinner,
    watToBytes('(module (memory (export "memory") 1) (func (export "_start") (loop br 0)))'),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('wasmbox run --name --isolation vm', () => {
  it('keeps the container with the writes it made in its worker: diff and cp show them', () => {
    const run = wasmbox('run', '-q', '--name', 'vmbox', '--isolation', 'vm', `oci:${scribble}`);
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0, stdout: 'scribbled: notes.txt\n' });
    const diff = wasmbox('diff', 'vmbox');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toBe('C /etc\nD /etc/motd\nA /notes.txt\n');
    const out = join(tmp, 'notes.txt');
    expect(wasmbox('cp', 'vmbox:/notes.txt', out).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('written by the container\n');
    expect(wasmbox('ps', '-a').stdout).toMatch(/Exited \(0\).*vmbox/);
  });

  it('gives the same diff as the same run in shared isolation', () => {
    expect(wasmbox('run', '-q', '--name', 'sharedbox', '--isolation', 'shared', `oci:${scribble}`).code).toBe(
      0,
    );
    expect(wasmbox('diff', 'sharedbox').stdout).toBe(wasmbox('diff', 'vmbox').stdout);
  });

  it('a vm container killed by its timeout is kept without its writes, and says so', () => {
    const run = wasmbox(
      'run',
      '-q',
      '--name',
      'spun',
      '--isolation',
      'vm',
      '--timeout',
      '300ms',
      `oci:${spinner}`,
    );
    expect(run.code).toBe(137);
    expect(run.stderr).toContain('spun: kept without its writes');
    expect(wasmbox('diff', 'spun')).toMatchObject({ code: 0, stdout: '' });
    expect(wasmbox('ps', '-a').stdout).toMatch(/Exited \(137\).*spun/);
  });
});
