// Component benchmark (`npm run bench:component`): the same sample program as a preview1 module
// and as a component (jco's preview1 adapter), in process; and `wasmbox run` end to end for a
// module, a component's first run (transpile) and its cached run. Table to bench/COMPONENT.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { componentNew, preview1AdapterCommandPath } from '@bytecodealliance/jco';
import { MemoryComponentCache } from '../runtime/component/cache.js';
import { loadComponent, startComponent } from '../runtime/component/run.js';
import { transpileComponent } from '../runtime/component/transpile.js';
import { runModule } from '../runtime/engine/run.js';
import { MemFs } from '../runtime/vfs/mem.js';
import { CollectSink } from '../runtime/wasi/stdio.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, '..');
const wasmDir = join(root, 'images', 'wasm');

interface Case {
  name: string;
  wasm: string;
  args: string[];
}

const CASES: Case[] = [
  { name: 'start (hello)', wasm: 'hello', args: ['hello'] },
  { name: 'cpu (sha256 16 MiB)', wasm: 'cpubench', args: ['cpubench', '16'] },
  { name: 'io write-read 16 MiB', wasm: 'iobench', args: ['iobench', 'write-read', '/d.bin', '16'] },
  { name: 'io 20000 small writes', wasm: 'iobench', args: ['iobench', 'small-writes', '/s.bin', '20000'] },
  { name: 'stdout 20000 1-byte writes', wasm: 'iobench', args: ['iobench', 'stdout-bytes', '20000'] },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** A markdown table with padded columns; every column but the first is right-aligned. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

function options(args: string[]) {
  const fs = new MemFs();
  return {
    args,
    preopens: [{ guestPath: '/', dir: fs.root, containerRoot: true }],
    stdout: new CollectSink(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const runs = Number(values.runs);
  const adapter = readFileSync(preview1AdapterCommandPath());
  const rows: string[][] = [];

  const cache = new MemoryComponentCache();
  for (const c of CASES) {
    const bytes = readFileSync(join(wasmDir, `${c.wasm}.wasm`));
    const module = new WebAssembly.Module(bytes);
    const component = await loadComponent(
      await componentNew(bytes, [['wasi_snapshot_preview1', adapter]]),
      cache,
    );
    const times = { module: [] as number[], component: [] as number[] };
    for (let i = 0; i <= runs; i++) {
      let t = performance.now();
      const m = runModule(module, options(c.args));
      const tm = performance.now() - t;
      t = performance.now();
      const k = await startComponent(component, options(c.args));
      const tk = performance.now() - t;
      if (m.exitCode !== 0 || k.exitCode !== 0)
        throw new Error(`${c.name}: exit ${m.exitCode}/${k.exitCode}`);
      if (i > 0) {
        times.module.push(tm);
        times.component.push(tk);
      }
    }
    const [mm, mk] = [median(times.module), median(times.component)];
    rows.push([c.name, fmt(mm), fmt(mk), (mk / mm).toFixed(2)]);
    console.error(`${c.name}: module ${fmt(mm)} ms, component ${fmt(mk)} ms`);
  }

  // Transpile alone, in process, jco already loaded (the first call also pays for loading jco).
  const helloComponent = await componentNew(readFileSync(join(wasmDir, 'hello.wasm')), [
    ['wasi_snapshot_preview1', adapter],
  ]);
  const transpiles: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t = performance.now();
    await transpileComponent(helloComponent);
    if (i > 0) transpiles.push(performance.now() - t);
  }

  // End to end through the CLI (a new process each run): module, first run, cached run.
  const bin = join(root, 'bin', 'wasmbox.cjs');
  if (!existsSync(join(root, 'dist')))
    throw new Error('bench:component needs dist/: run `npm run build` first');
  const tmp = mkdtempSync(join(os.tmpdir(), 'wasmbox-bench-component-'));
  const componentFile = join(tmp, 'hello.component.wasm');
  writeFileSync(componentFile, helloComponent);
  const cli = (file: string, home: string): number => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [bin, 'run', file], {
      env: { WASMBOX_HOME: home },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`wasmbox run ${file}: ${r.stderr}`);
    return performance.now() - t;
  };
  const e2e = { module: [] as number[], first: [] as number[], cached: [] as number[] };
  const warmHome = join(tmp, 'warm');
  cli(componentFile, warmHome);
  for (let i = 0; i < runs; i++) {
    e2e.module.push(cli(join(wasmDir, 'hello.wasm'), warmHome));
    const coldHome = join(tmp, `cold-${i}`);
    e2e.first.push(cli(componentFile, coldHome));
    e2e.cached.push(cli(componentFile, warmHome));
  }
  rmSync(tmp, { recursive: true, force: true });

  const report = `# Components vs modules

The same sample program (images/wasm) as a preview1 module (\`runModule\`) and as a component made
with jco's preview1 command adapter (\`startComponent\`, transpile cached), in-memory root. Each run
times instantiate + run to exit; medians of ${runs} runs after one warm-up, the two interleaved.

- Date: ${new Date().toISOString()}
- Machine: ${os.cpus()[0]?.model.trim() ?? 'unknown'}, ${os.cpus().length} cores, ${os.type()} ${os.release()} ${os.arch()}
- Node: ${process.version}
- Command: \`npm run bench:component\`

${table(['Case', 'module (ms)', 'component (ms)', 'component/module'], rows)}

## First run vs cached run

${table(
  ['What', 'median (ms)'],
  [
    ['jco transpile of hello.component.wasm (in process, jco loaded)', fmt(median(transpiles))],
    ['`wasmbox run hello.wasm` (module, new process)', fmt(median(e2e.module))],
    [
      '`wasmbox run hello.component.wasm`, first run (empty cache: load jco, transpile, store)',
      fmt(median(e2e.first)),
    ],
    [
      '`wasmbox run hello.component.wasm`, cached run (import + compile from $WASMBOX_HOME/components)',
      fmt(median(e2e.cached)),
    ],
  ],
)}
`;
  console.log(report);
  writeFileSync(join(benchDir, 'COMPONENT.md'), report);
  console.error('wrote bench/COMPONENT.md');
}

await main();
