// Pull benchmark (`npm run bench:pull`): `wasmbox pull` vs `skopeo copy docker://… oci:DIR` of one
// image (a ~30 MB layer plus ~4000 small files in other layers) from a loopback registry.
// Both run as fresh processes into empty directories, interleaved; medians of N runs.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OciLayoutStore } from '../runtime/content/oci-layout.js';
import { pullImage } from '../runtime/image/pull.js';
import { nodeFileApi } from '../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../runtime/platform/node/hash.js';
import { nodeFetch } from '../runtime/platform/node/images.js';
import { startRegistry } from '../test/helpers/registry.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 9);

async function buildImage(work: string): Promise<string> {
  const layout = join(work, 'layout');
  const image = `${layout}:big`;
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', image]);
  const layer = async (fill: (rootfs: string) => void) => {
    const bundle = join(work, 'bundle');
    rmSync(bundle, { recursive: true, force: true });
    await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
    fill(join(bundle, 'rootfs'));
    await run('umoci', ['repack', '--image', image, bundle]);
  };
  await layer((rootfs) => writeFileSync(join(rootfs, 'big.bin'), randomBytes(30 << 20)));
  for (const part of [0, 1]) {
    await layer((rootfs) => {
      for (let d = 0; d < 20; d++) {
        const dir = join(rootfs, 'data', `p${part}`, `d${d}`);
        mkdirSync(dir, { recursive: true });
        for (let f = 0; f < 100; f++)
          writeFileSync(join(dir, `f${f}.txt`), `${part}/${d}/${f} ${randomBytes(200).toString('hex')}\n`);
      }
    });
  }
  await run('umoci', ['config', '--image', image, '--os', 'wasip1', '--architecture', 'wasm']);
  return layout;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

async function main(): Promise<void> {
  const work = mkdtempSync(join(os.tmpdir(), 'wasmbox-bench-pull-'));
  const registry = await startRegistry('anonymous');
  try {
    console.error('building the image (30 MB layer + 4000 small files)…');
    const layout = await buildImage(work);
    await run('skopeo', [
      'copy',
      '-q',
      ...registry.skopeoDest,
      `oci:${layout}:big`,
      `docker://${registry.host}/big:latest`,
    ]);
    const ref = `${registry.host}/big:latest`;
    const fetch = await nodeFetch(process.env);
    // NODE_EXTRA_CA_CERTS (set machine-wide on some hosts) makes every Node process parse that CA
    // bundle before any JavaScript runs (Node 20 does it eagerly): measured both ways when set.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const { NODE_EXTRA_CA_CERTS: _, ...withoutExtraCa } = process.env;
    // Each run writes into `out`, deleted (untimed) right after: runs never pay for the writeback
    // of earlier runs' files (with ~100 MB of dirty pages per round the kernel throttles writers).
    type Case = { name: string; run: (out: string) => Promise<unknown> };
    const cli = (env: NodeJS.ProcessEnv) => (out: string) =>
      run(process.execPath, [join(root, 'bin', 'wasmbox.cjs'), 'pull', '-q', ref], {
        env: { ...env, WASMBOX_HOME: out },
      });
    const cases: Case[] = [
      { name: 'wasmbox pull', run: cli(process.env) },
      ...(extraCa ? [{ name: 'wasmbox pull, NODE_EXTRA_CA_CERTS unset', run: cli(withoutExtraCa) }] : []),
      {
        name: 'skopeo copy docker:// → oci:',
        run: (out) =>
          run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${out}:big`]),
      },
      {
        name: 'pullImage() in-process (no Node start-up)',
        run: (out) => {
          const store = new OciLayoutStore(out, nodeFileApi, { createHasher: nodeSha256 });
          return pullImage(ref, { store, fetch, createHasher: nodeSha256 });
        },
      },
      { name: '`node -e 0` (Node start-up alone)', run: () => run(process.execPath, ['-e', '0']) },
      ...(extraCa
        ? [
            {
              name: '`node -e 0`, NODE_EXTRA_CA_CERTS unset',
              run: () => run(process.execPath, ['-e', '0'], { env: withoutExtraCa }),
            },
          ]
        : []),
    ];
    const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
    for (let i = 0; i < runs; i++) {
      // A different order each round: no case always runs right after the same other one.
      const order = cases.map((_, k) => cases[(k + i) % cases.length]!);
      for (const c of order) {
        const out = join(work, 'out');
        samples.get(c.name)!.push(await time(() => c.run(out)));
        rmSync(out, { recursive: true, force: true });
      }
      console.error(
        `run ${i + 1}: ${cases.map((c) => `${c.name} ${samples.get(c.name)![i]!.toFixed(0)} ms`).join(', ')}`,
      );
    }
    const med = (name: string) => median(samples.get(name)!);
    const skopeo = med('skopeo copy docker:// → oci:');
    const ratio = (name: string, label: string) =>
      `| **ratio ${label} / skopeo** | **${(med(name) / skopeo).toFixed(2)}×** | target ≤ 1.0× |`;
    const table = [
      '| tool | median (ms) | runs (ms) |',
      '|---|---:|---|',
      ...cases.map(
        (c) =>
          `| ${c.name} | ${med(c.name).toFixed(0)} | ${samples
            .get(c.name)!
            .map((x) => x.toFixed(0))
            .join(', ')} |`,
      ),
      ratio('wasmbox pull', 'wasmbox pull'),
      ...(extraCa
        ? [ratio('wasmbox pull, NODE_EXTRA_CA_CERTS unset', 'wasmbox pull (NODE_EXTRA_CA_CERTS unset)')]
        : []),
    ].join('\n');
    const header = `# Pull benchmark\n\nImage: one ~30 MB layer (random bytes) + two layers of 2000 small files each, pulled from a\nloopback docker-registry (CNCF distribution 2.8) into an empty directory; each run is a fresh process; the cases take turns in a rotating order.${extraCa ? ` NODE_EXTRA_CA_CERTS is set here (${extraCa}).` : ''}\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}. Medians of ${runs}. \`npm run bench:pull\`.\n\n`;
    console.log(table);
    // A hand-kept '## History' section (earlier results, what changed) survives a new run.
    const file = join(root, 'bench', 'PULL.md');
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const history = previous.indexOf('\n## History');
    writeFileSync(file, `${header}${table}\n${history >= 0 ? previous.slice(history) : ''}`);
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
