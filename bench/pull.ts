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
const runs = Number(process.argv[2] ?? 5);

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
    const samples = { wasmbox: [] as number[], skopeo: [] as number[], library: [] as number[] };
    const fetch = await nodeFetch(process.env);
    for (let i = 0; i < runs; i++) {
      const home = join(work, `home${i}`);
      samples.wasmbox.push(
        await time(() =>
          run(process.execPath, [join(root, 'bin', 'wasmbox.cjs'), 'pull', '-q', ref], {
            env: { ...process.env, WASMBOX_HOME: home },
          }),
        ),
      );
      samples.skopeo.push(
        await time(() =>
          run('skopeo', [
            'copy',
            '-q',
            '--src-tls-verify=false',
            `docker://${ref}`,
            `oci:${join(work, `skopeo${i}`)}:big`,
          ]),
        ),
      );
      const store = new OciLayoutStore(join(work, `lib${i}`), nodeFileApi, { createHasher: nodeSha256 });
      samples.library.push(await time(() => pullImage(ref, { store, fetch, createHasher: nodeSha256 })));
      console.error(
        `run ${i + 1}: wasmbox ${samples.wasmbox[i]!.toFixed(0)} ms, in-process ${samples.library[i]!.toFixed(0)} ms, skopeo ${samples.skopeo[i]!.toFixed(0)} ms`,
      );
    }
    const w = median(samples.wasmbox);
    const s = median(samples.skopeo);
    const table = [
      '| tool | median (ms) | runs (ms) |',
      '|---|---:|---|',
      `| wasmbox pull | ${w.toFixed(0)} | ${samples.wasmbox.map((x) => x.toFixed(0)).join(', ')} |`,
      `| pullImage() in-process (no Node start-up) | ${median(samples.library).toFixed(0)} | ${samples.library.map((x) => x.toFixed(0)).join(', ')} |`,
      `| skopeo copy docker:// → oci: | ${s.toFixed(0)} | ${samples.skopeo.map((x) => x.toFixed(0)).join(', ')} |`,
      `| **ratio wasmbox / skopeo** | **${(w / s).toFixed(2)}×** | target ≤ 1.0× |`,
    ].join('\n');
    const header = `# Pull benchmark\n\nImage: one ~30 MB layer (random bytes) + two layers of 2000 small files each, pulled from a\nloopback docker-registry (CNCF distribution 2.8) into an empty directory; each run is a fresh process.\nMachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}. Medians of ${runs}. \`npm run bench:pull\`.\n\n`;
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
