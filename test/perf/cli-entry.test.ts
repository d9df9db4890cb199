// Which code bin/wasmbox.cjs runs: the verb's own bundle (dist/cli/VERB/), else the whole CLI
// bundle (dist/cli/), each only when not older than the compiled modules, else the modules.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-cli-entry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let trees = 0;

/** A package-like tree: the real bin, and fake entries that print who they are and their args. */
function tree(files: Record<string, number>): string {
  const dir = join(tmp, `pkg${trees++}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin/wasmbox.cjs'), join(dir, 'bin/wasmbox.cjs'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  for (const [path, mtime] of Object.entries(files)) {
    const file = join(dir, 'dist', path);
    mkdirSync(dirname(file), { recursive: true });
    const body = `(argv) => { process.stdout.write(${JSON.stringify(path)} + ' ' + argv.join(' ')); return 3; }`;
    writeFileSync(
      file,
      path.endsWith('.cjs') ? `exports.main = async ${body};\n` : `export const main = async ${body};\n`,
    );
    utimesSync(file, mtime, mtime);
  }
  return dir;
}

const wasmbox = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'bin/wasmbox.cjs'), ...args], { encoding: 'utf8' });

describe('bin/wasmbox.cjs', () => {
  const all = {
    'runtime/cli/main.js': 1000,
    'cli/entry.cjs': 2000,
    'cli/pull/entry.cjs': 2000,
  };

  it("runs a verb's own bundle, else the whole CLI bundle, with the args and exit status", () => {
    const dir = tree(all);
    const pull = wasmbox(dir, '-q', 'pull', 'x');
    expect(pull.stdout).toBe('cli/pull/entry.cjs -q pull x');
    expect(pull.status).toBe(3);
    expect(wasmbox(dir, 'images').stdout).toBe('cli/entry.cjs images');
    expect(wasmbox(dir, '--version').stdout).toBe('cli/entry.cjs --version');
    // Not a verb name: never a path.
    expect(wasmbox(dir, '../x').stdout).toBe('cli/entry.cjs ../x');
  });

  it('skips bundles older than the compiled modules (tsc ran alone)', () => {
    expect(wasmbox(tree({ ...all, 'cli/pull/entry.cjs': 500 }), 'pull').stdout).toBe('cli/entry.cjs pull');
    const stale = tree({ ...all, 'cli/entry.cjs': 500, 'cli/pull/entry.cjs': 500 });
    expect(wasmbox(stale, 'pull').stdout).toBe('runtime/cli/main.js pull');
  });

  it('says how to build when dist/ is missing', () => {
    const missing = wasmbox(tree({}), 'pull');
    expect(missing.status).toBe(125);
    expect(missing.stderr).toMatch(/dist\/ is missing: run `npm install`/);
  });

  it('the built single-verb bundle runs its verb', () => {
    expect(
      execFileSync(process.execPath, [join(ROOT, 'bin/wasmbox.cjs'), 'pull', '--help'], { encoding: 'utf8' }),
    ).toMatch(/Usage: wasmbox pull/);
  });
});
