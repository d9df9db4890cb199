// Isolation benchmark (`npm run bench:isolation`, after `npm run build`): hello start-to-exit latency,
// containers per second and RSS per idle container, shared vs vm; writes bench/ISOLATION.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { prepareModule } from '../runtime/isolation/module.js';
import { createSharedDriver } from '../runtime/isolation/shared.js';
import type { ContainerHandle, GuestModule, IsolationDriver } from '../runtime/isolation/types.js';
import { createVmDriver, type VmDriver } from '../runtime/isolation/vm.js';
import { nodeInterrupter } from '../runtime/platform/node/interrupt.js';
import { nodeWorkerFactory } from '../runtime/platform/node/worker.js';
import type { ByteSource } from '../runtime/wasi/stdio.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, '..');
// Workers boot from the bundle, as the CLI's do (`npm run build` makes it): booting from .ts
// through tsx would measure tsx.
const workerEntry = join(root, 'dist/node-worker/entry.cjs');

/**
 * The GC for the RSS measurements, exposed only when they start: a V8 flag set in the host is
 * inherited by every worker and makes V8 reject the worker bundle's code cache (built without
 * it), which would slow the latency rows by ~7 ms for a reason no user has.
 */
let exposedGc: (() => void) | undefined;
function gc(): void {
  if (!exposedGc) {
    v8.setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as () => void;
  }
  exposedGc();
}

interface Row {
  what: string;
  value: string;
  target: string;
  ok: boolean | undefined;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function stats(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

const ms = (v: number): string => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

async function hello(driver: IsolationDriver, guest: GuestModule): Promise<number> {
  let bytes = 0;
  const started = performance.now();
  const exit = await driver.start({ module: guest, args: ['hello'], stdout: (c) => (bytes += c.length) })
    .exit;
  const elapsed = performance.now() - started;
  if (exit.exitCode !== 0 || bytes === 0) throw new Error(`hello failed: ${JSON.stringify(exit)}`);
  return elapsed;
}

async function latency(
  driver: IsolationDriver,
  guest: GuestModule,
  runs: number,
  between?: () => Promise<void>,
) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    await between?.();
    samples.push(await hello(driver, guest));
  }
  return stats(samples);
}

/** `total` hello runs with `concurrency` in flight; containers per second. */
async function throughput(driver: IsolationDriver, guest: GuestModule, total: number, concurrency: number) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) await hello(driver, guest);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

function rss(): number {
  gc();
  return process.memoryUsage().rss;
}

/** vm: `count` echo-lines containers, each in its worker, blocked reading a stdin nobody writes. */
async function vmIdleRss(guest: GuestModule, count: number): Promise<number> {
  const driver = createVmDriver({ workers: nodeWorkerFactory({ entry: pathToFileURL(workerEntry) }) });
  const before = rss();
  const handles: ContainerHandle[] = [];
  for (let i = 0; i < count; i++)
    handles.push(driver.start({ module: guest, stdin: 'pipe', stdout: 'pipe' }));
  // Each answers one line, so every container has booted, started and is blocked on its next read.
  for (const h of handles) {
    const writer = h.stdin!.getWriter();
    await writer.write(new TextEncoder().encode('hi\n'));
    writer.releaseLock();
    const reader = h.stdout!.getReader();
    await reader.read();
    reader.releaseLock();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const perContainer = (rss() - before) / count;
  for (const h of handles) h.kill();
  await Promise.all(handles.map((h) => h.exit));
  await driver.close();
  return perContainer;
}

/**
 * shared: a blocked guest holds the thread, so idle containers are nested: each one's stdin read
 * starts the next, and at depth `count` all of them are alive, each blocked inside its own read.
 */
async function sharedIdleRss(guest: GuestModule, count: number): Promise<{ rss: number; heap: number }> {
  const driver = createSharedDriver();
  let before = { rss: 0, heap: 0 };
  let perContainer = { rss: 0, heap: 0 };
  const open = (depth: number): void => {
    let asked = false;
    const source: ByteSource = {
      read() {
        if (asked) return new Uint8Array(0);
        asked = true;
        if (depth < count) open(depth + 1);
        else {
          const now = rss();
          perContainer = {
            rss: (now - before.rss) / count,
            heap: (process.memoryUsage().heapUsed - before.heap) / count,
          };
        }
        return new Uint8Array(0);
      },
    };
    driver.start({ module: guest, stdin: source, stdout: () => {} });
  };
  // A first round warms up code and allocator; the second one is measured.
  open(1);
  before = { rss: rss(), heap: process.memoryUsage().heapUsed };
  open(1);
  return perContainer;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  if (!existsSync(workerEntry)) throw new Error('the worker bundle is missing: run `npm run build` first');
  const quick = values.quick;
  const runs = quick ? 100 : 1000;
  const helloGuest = await prepareModule(readFileSync(join(root, 'images/wasm/hello.wasm')));
  const echoGuest = await prepareModule(readFileSync(join(root, 'images/wasm/echo-lines.wasm')));
  const workers = nodeWorkerFactory({ entry: pathToFileURL(workerEntry) });
  const rows: Row[] = [];
  const add = (
    what: string,
    value: number,
    unit: (v: number) => string,
    target: string,
    limit?: number,
    atLeast = false,
  ): void => {
    console.error(`${what}: ${unit(value)}`);
    rows.push({
      what,
      value: unit(value),
      target,
      ok: limit === undefined ? undefined : atLeast ? value >= limit : value <= limit,
    });
  };

  const shared = createSharedDriver({ interrupter: nodeInterrupter() });
  for (let i = 0; i < 50; i++) await hello(shared, helloGuest); // JIT warm-up
  const sharedLat = await latency(shared, helloGuest, runs);
  add('hello latency, shared: median', sharedLat.median, ms, '≤ 1 ms', 1);
  add('hello latency, shared: p99', sharedLat.p99, ms, '');

  const coldRuns = quick ? 10 : 50;
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const driver = createVmDriver({ workers, pool: 0, recycle: false });
    cold.push(await hello(driver, helloGuest));
    await driver.close();
  }
  const coldLat = stats(cold);
  add('hello latency, vm cold worker: median', coldLat.median, ms, '≤ 30 ms', 30);
  add('hello latency, vm cold worker: p99', coldLat.p99, ms, '');

  const warm: VmDriver = createVmDriver({ workers, pool: 4 });
  await warm.warm();
  for (let i = 0; i < 50; i++) await hello(warm, helloGuest);
  const warmLat = await latency(warm, helloGuest, runs);
  add('hello latency, vm warm pool (recycled worker): median', warmLat.median, ms, '≤ 3 ms', 3);
  add('hello latency, vm warm pool (recycled worker): p99', warmLat.p99, ms, '');

  const fresh: VmDriver = createVmDriver({ workers, pool: 2, recycle: false });
  const freshLat = await latency(fresh, helloGuest, quick ? 10 : 50, () => fresh.warm());
  add('hello latency, vm warm pool (booted, never used worker): median', freshLat.median, ms, '');
  add('hello latency, vm warm pool (booted, never used worker): p99', freshLat.p99, ms, '');

  add(
    `containers/s, shared (${runs} hello, sequential)`,
    await throughput(shared, helloGuest, runs, 1),
    (v) => v.toFixed(0),
    '≥ 1000',
    1000,
    true,
  );
  add(
    `containers/s, vm (${runs} hello, 4 in flight, recycled workers)`,
    await throughput(warm, helloGuest, runs, 4),
    (v) => v.toFixed(0),
    '≥ 300',
    300,
    true,
  );
  await warm.close();
  const freshRuns = quick ? 20 : 200;
  add(
    `containers/s, vm (${freshRuns} hello, 4 in flight, a new worker each)`,
    await throughput(fresh, helloGuest, freshRuns, 4),
    (v) => v.toFixed(0),
    '',
  );
  await fresh.close();

  const mb = (v: number): string => `${(v / 1024 / 1024).toFixed(2)} MB`;
  const nested = quick ? 50 : 200;
  const idle = quick ? 5 : 20;
  const sharedIdle = await sharedIdleRss(echoGuest, nested);
  add(
    `RSS per idle container blocked on stdin, shared (${nested} nested)`,
    sharedIdle.rss,
    mb,
    '≤ 1 MB',
    1024 * 1024,
  );
  add(`JS heap per idle container, shared (same run)`, sharedIdle.heap, mb, '');
  add(
    `RSS per idle container blocked on stdin, vm (${idle} workers)`,
    await vmIdleRss(echoGuest, idle),
    mb,
    '≤ 10 MB',
    10 * 1024 * 1024,
  );

  const table = [
    '| measure | result | target | |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.what} | ${r.value} | ${r.target} | ${r.ok === undefined ? '' : r.ok ? 'met' : 'missed'} |`,
    ),
  ].join('\n');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg()[0]!.toFixed(1);
  const header = `# Isolation benchmark\n\nNode ${process.version}, ${os.cpus().length} × ${cpu}, load average ${load} at the end, ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick run)' : ''}.\nProduced by \`npm run bench:isolation\` (bench/isolation.ts); see docs/isolation.md for what the numbers mean.\n\n`;
  console.log(`\n${table}`);
  const out = quick ? join(benchDir, 'out', 'ISOLATION.md') : join(benchDir, 'ISOLATION.md');
  writeFileSync(out, `${header}${table}\n`);
  console.error(`wrote ${relative(process.cwd(), out)}`);
  return 0;
}

process.exitCode = await main();
