// The preview1 conformance suite (../shared/wasi-testsuite) through the component path: each
// test module is turned into a component with jco's preview1 command adapter and run with
// runComponent, with the same args/env/root/stdout/exit rules as the preview1 runner.

import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryComponentCache } from '../../runtime/component/cache.js';
import { runComponent } from '../../runtime/component/run.js';
import { MemFs } from '../../runtime/vfs/mem.js';
import { CollectSink } from '../../runtime/wasi/stdio.js';
import { copyHostTree } from '../helpers/host-tree.js';
import { listTests, readSpec, suitePresent } from '../helpers/wasi-testsuite.js';
import { adaptModule } from './helpers.js';

/**
 * Tests that cannot pass through the preview1 adapter, with the reason. The file-system tests
 * (those with a `root`) must all pass: none of them may be listed here.
 */
const AS_ADAPTER =
  'the preview1 adapter fails under AssemblyScript programs (same result under jco run with its own host)';
const SKIP: Record<string, string> = {
  'assemblyscript/args_get-multiple-arguments': `${AS_ADAPTER}: "assertion failed at adapter line 2858"`,
  'assemblyscript/environ_get-multiple-variables': `${AS_ADAPTER}: "assertion failed at adapter line 2858"`,
  'assemblyscript/fd_write-to-invalid-fd': `${AS_ADAPTER}: the program aborts`,
};

/** The adapter turns every non-zero proc_exit status into wasi:cli/exit(err), i.e. 1. */
function expectedExit(code: number): number {
  return code === 0 ? 0 : 1;
}

const counts = { passed: 0, failed: 0, skipped: 0, fsPassed: 0 };

describe.skipIf(!suitePresent)('wasi-testsuite through components (preview1 adapter)', () => {
  const tests = listTests();
  const cache = new MemoryComponentCache();

  afterAll(() => {
    console.log(
      `wasi-testsuite as components: ${counts.passed} passed (${counts.fsPassed} file-system), ` +
        `${counts.failed} failed, ${counts.skipped} skipped of ${tests.length}`,
    );
  });

  for (const file of tests) {
    const id = `${basename(dirname(file))}/${basename(file, '.wasm')}`;
    const spec = readSpec(file);
    const reason = SKIP[id];
    if (reason) {
      counts.skipped++;
      it.skip(`${id} (skipped: ${reason})`, () => {});
      continue;
    }
    it(`${id}${spec.root ? ' [fs]' : ''}`, async () => {
      const fs = new MemFs();
      if (spec.root) copyHostTree(join(dirname(file), spec.root), fs.root);
      const stdout = new CollectSink();
      const stderr = new CollectSink();
      try {
        const component = await adaptModule(readFileSync(file));
        const result = await runComponent(component, {
          args: [basename(file), ...(spec.args ?? [])],
          env: spec.env ?? {},
          preopens: spec.root ? [{ guestPath: '/', dir: fs.root, containerRoot: true }] : [],
          stdout,
          stderr,
          cache,
        });
        const want = expectedExit(spec.exit_code ?? 0);
        expect({ exit: result.exitCode, stderr: stderr.text() }).toEqual({
          exit: want,
          stderr: result.exitCode === want ? stderr.text() : '(see above)',
        });
        if (spec.stdout !== undefined) expect(stdout.text()).toBe(spec.stdout);
        counts.passed++;
        if (spec.root) counts.fsPassed++;
      } catch (error) {
        counts.failed++;
        throw error;
      }
    });
  }
});

describe.skipIf(suitePresent)('wasi-testsuite through components', () => {
  it('is absent here (a fresh clone has no ../shared): the conformance suite is skipped', () => {});
});
