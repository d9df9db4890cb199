// The bundle check (scripts/check-bundle.mjs): passes for the browser entry, reporting its size and
// a separate jco chunk, and fails for an entry that pulls a node:* module into the graph.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './node-env.js';

const run = promisify(execFile);
const script = join(repoRoot, 'scripts/check-bundle.mjs');
const temp = mkdtempSync(join(tmpdir(), 'wasmbox-bundle-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('bundle check', () => {
  it('passes for the browser entry: size reported, jco in a lazy chunk', async () => {
    const { stdout } = await run(process.execPath, [script, '--no-publint'], { cwd: repoRoot });
    expect(stdout).toMatch(/\| browser entry \(static graph\) \| [\d.]+ KiB \| [\d.]+ KiB/);
    expect(stdout).toContain('component engine + jco (lazy)');
  });

  it('fails for an entry that imports a node:* module', async () => {
    const entry = join(temp, 'leaky.ts');
    writeFileSync(
      entry,
      `import { readFileSync } from 'node:fs';\nexport * from '${join(repoRoot, 'runtime/browser.ts')}';\nexport const x = readFileSync;\n`,
    );
    const failed = await run(process.execPath, [script, '--entry', entry, '--no-publint'], {
      cwd: repoRoot,
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('imports node:fs');
  });
});
