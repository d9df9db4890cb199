// The shared API cases (cases.ts) in Node; browser.test.ts runs the same cases in Chromium.

import { rmSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import { cases } from './cases.js';
import { nodeEnv } from './node-env.js';

const env = nodeEnv();
afterAll(() => rmSync(env.home, { recursive: true, force: true }));

describe('library API in Node', () => {
  for (const c of cases) it(c.name, () => c.run(env));
});
