// Benchmark entry point (`npm run bench`): runs each case under wasmbox and node:wasi, interleaved,
// and reports medians as a markdown table on stdout and in bench/RESULTS.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchCase, fullSizes, makeCases, quickSizes } from './cases.js';
import { type RuntimeName, runners } from './runners.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const wasmDir = join(benchDir, '..', 'images', 'wasm');
const runtimes: RuntimeName[] = ['wasmbox', 'node:wasi'];
const usage = `usage: npm run bench -- [--quick] [--filter NAME]... [--runs N]
  --quick        small sizes and 3 runs: a smoke check; writes bench/out/RESULTS.md
  --filter NAME  only cases whose name contains NAME (repeatable)
  --runs N       measured runs per runtime (default 7, quick 3)`;

interface CaseResult {
  bench: BenchCase;
  samples: Record<RuntimeName, number[]>;
  error?: string;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string', multiple: true, default: [] },
      runs: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const runs = Number(values.runs ?? (values.quick ? 3 : 7));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer\n${usage}`);
  const all = makeCases(values.quick ? quickSizes : fullSizes);
  const filters = values.filter;
  const cases = all.filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));
  if (cases.length === 0)
    throw new Error(`no case matches ${filters.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);

  const modules = new Map<string, WebAssembly.Module>();
  for (const c of cases) {
    if (!modules.has(c.wasm))
      modules.set(c.wasm, new WebAssembly.Module(readFileSync(join(wasmDir, c.wasm))));
  }
  const results: CaseResult[] = [];
  for (const bench of cases) results.push(await runCase(bench, modules.get(bench.wasm)!, runs));

  const report = renderReport(results, runs);
  console.log('\n' + report);
  const partial = values.quick || filters.length > 0;
  const outFile = partial ? join(benchDir, 'out', 'RESULTS.md') : join(benchDir, 'RESULTS.md');
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, renderHeader() + report);
  console.error(`wrote ${relative(process.cwd(), outFile)}`);
  return results.some((r) => r.error) ? 1 : 0;
}

/** One warm-up run per runtime, then `runs` measured runs, alternating which runtime goes first. */
async function runCase(bench: BenchCase, module: WebAssembly.Module, runs: number): Promise<CaseResult> {
  const result: CaseResult = { bench, samples: { wasmbox: [], 'node:wasi': [] } };
  const request = { module, args: bench.args, env: {} };
  try {
    for (let i = -1; i < runs; i++) {
      const order = i % 2 === 0 ? runtimes : [...runtimes].reverse();
      for (const runtime of order) {
        const out = await runners[runtime](request);
        const problem = bench.verify(out);
        if (problem) throw new Error(`${runtime}: ${problem}`);
        if (i >= 0) result.samples[runtime].push(out.ms);
      }
      process.stderr.write(`\r${bench.name}: ${i < 0 ? 'warm-up' : `run ${i + 1}/${runs}`}   `);
    }
    process.stderr.write('\n');
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    process.stderr.write(`\n${bench.name}: FAILED: ${result.error}\n`);
  }
  return result;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function fmt(x: number): string {
  return x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
}

function perUnit(bench: BenchCase, ms: number): string {
  return bench.unit === 'MiB'
    ? `${fmt(ms / bench.amount)} ms/MiB`
    : `${fmt((ms * 1000) / bench.amount)} µs/write`;
}

function renderReport(results: CaseResult[], runs: number): string {
  const rows = [
    ['Case', 'wasmbox (ms)', 'node:wasi (ms)', 'wasmbox/node:wasi', 'wasmbox per unit', 'node:wasi per unit'],
  ];
  for (const { bench, samples, error } of results) {
    if (error) {
      const why = error.replaceAll('|', '\\|').replaceAll('\n', ' ');
      rows.push([bench.name, `FAILED: ${why}`, '', '', '', '']);
      continue;
    }
    const w = median(samples.wasmbox);
    const n = median(samples['node:wasi']);
    rows.push([bench.name, fmt(w), fmt(n), (w / n).toFixed(2), perUnit(bench, w), perUnit(bench, n)]);
  }
  const lines = markdownTable(rows);
  lines.push(
    '',
    `Medians of ${runs} runs per runtime (after one warm-up each), the runtimes interleaved run by run.`,
  );
  lines.push(...scalingNote(results));
  lines.push('', '<details><summary>All samples (ms)</summary>', '');
  for (const { bench, samples, error } of results) {
    if (error) continue;
    for (const rt of runtimes) lines.push(`- ${bench.name} ${rt}: ${samples[rt].map(fmt).join(', ')}`);
  }
  lines.push('', '</details>');
  return lines.join('\n') + '\n';
}

/** A markdown table, padded the way the formatter (biome) writes it; column 0 left-aligned, others right. */
function markdownTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(3, ...rows.map((row) => row[col]!.length)));
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const cell = (text: string, col: number) =>
    col === 0 ? text.padEnd(widths[col]!) : text.padStart(widths[col]!);
  const [header, ...body] = rows.map((row) => row.map(cell));
  const rule = widths.map((w, col) => (col === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':'));
  return [line(header!), line(rule), ...body.map(line)];
}

/** Compares time per MiB between the two write-read sizes: about 1 means cost grows linearly. */
function scalingNote(results: CaseResult[]): string[] {
  const io = results.filter((r) => !r.error && r.bench.name.startsWith('io-write-read-'));
  const [big, small] = [...io].sort((a, b) => b.bench.amount - a.bench.amount);
  if (!big || !small || big.bench.amount === small.bench.amount) return [];
  const parts = runtimes.map((rt) => {
    const a = median(big.samples[rt]) / big.bench.amount;
    const b = median(small.samples[rt]) / small.bench.amount;
    return `${rt} ${fmt(b)} → ${fmt(a)} ms/MiB (×${(a / b).toFixed(2)})`;
  });
  return [
    `Write-read time per MiB, ${small.bench.amount} MiB → ${big.bench.amount} MiB: ${parts.join('; ')}.` +
      ' A factor near 1 means the cost grows linearly with the file size.',
  ];
}

function renderHeader(): string {
  const args = process.argv.slice(2).join(' ');
  const command =
    process.env.npm_lifecycle_event === 'bench'
      ? `npm run bench${args ? ` -- ${args}` : ''}`
      : `tsx bench/run.ts${args ? ` ${args}` : ''}`;
  const cpus = os.cpus();
  return [
    '# wasmbox benchmark results',
    '',
    'The same .wasm (images/wasm) under wasmbox (`execWasm`, in-memory root) and under node:wasi',
    '(a real temporary directory preopened as "/"); each run times instantiate + run to exit.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node: ${process.version}`,
    `- Command: \`${command}\``,
    '',
    '',
  ].join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
