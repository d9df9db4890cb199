// Runs every test of ../shared/wasi-testsuite through the kernel, the way the upstream runner
// does with wasmtime: args/env/root from NAME.json, exit status and stdout compared exactly.

import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runModule } from '../../runtime/engine/run.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';
import { copyHostTree } from '../helpers/host-tree.js';
import { listTests, readSpec, suitePresent } from '../helpers/wasi-testsuite.js';

/** Tests that cannot pass here, with the reason. Keep this list short and honest. */
const SKIP: Record<string, string> = {};

const counts = { passed: 0, failed: 0, skipped: 0 };

describe.skipIf(!suitePresent)('wasi-testsuite (../shared/wasi-testsuite)', () => {
  const tests = listTests();

  afterAll(() => {
    console.log(
      `wasi-testsuite: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped of ${tests.length}`,
    );
  });

  for (const file of tests) {
    const suite = basename(dirname(file));
    const name = basename(file, '.wasm');
    const id = `${suite}/${name}`;
    const reason = SKIP[id];
    if (reason) {
      counts.skipped++;
      it.skip(`${id} (skipped: ${reason})`, () => {});
      continue;
    }
    it(id, async () => {
      const spec = readSpec(file);
      const fs = new MemFs();
      if (spec.root) copyHostTree(join(dirname(file), spec.root), fs.root);
      const stdout = new CollectSink();
      const stderr = new CollectSink();
      const module = await WebAssembly.compile(readFileSync(file));
      try {
        const result = runModule(module, {
          args: [basename(file), ...(spec.args ?? [])],
          env: spec.env ?? {},
          preopens: spec.root ? [{ guestPath: '/', dir: fs.root, containerRoot: true }] : [],
          stdout,
          stderr,
        });
        expect({ exit: result.exitCode, stderr: stderr.text() }).toEqual({
          exit: spec.exit_code ?? 0,
          stderr: result.exitCode === (spec.exit_code ?? 0) ? stderr.text() : '(see above)',
        });
        if (spec.stdout !== undefined) expect(stdout.text()).toBe(spec.stdout);
        counts.passed++;
      } catch (error) {
        counts.failed++;
        throw error;
      }
    });
  }
});

describe.skipIf(suitePresent)('wasi-testsuite', () => {
  it('is absent here (a fresh clone has no ../shared): the conformance suite is skipped', () => {});
});
