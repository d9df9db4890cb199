// Root filesystem benchmark (`npm run bench:rootfs`): building a container's root from gzip layers
// already in memory, cold (unpack every layer) and warm (a second container over the cached trees),
// for two image sizes. Writes the table to bench/ROOTFS.md.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';
import { buildRootfs } from '../runtime/container/rootfs.js';
import { runModule } from '../runtime/engine/run.js';
import { type LayerSource, LayerTreeCache } from '../runtime/unpack/cache.js';
import { MemFs } from '../runtime/vfs/mem.js';
import { Overlay } from '../runtime/vfs/overlay.js';
import type { DirNode } from '../runtime/vfs/types.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const LAYERS = 4;
/** One large file, to show that a copy-up costs the same whatever the file's size. */
const BIG_FILE = 8 << 20;

interface ImageSpec {
  files: number;
  megabytes: number;
}

const sizes: ImageSpec[] = [
  { files: 4000, megabytes: 32 },
  { files: 16000, megabytes: 152 },
];

/** A minimal ustar writer: the benchmark measures the reader, not tar-stream. */
function tarOf(entries: Array<{ name: string; data?: Uint8Array }>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const e of entries) {
    const h = new Uint8Array(512);
    const field = (at: number, len: number, value: string) => h.set(enc.encode(value).subarray(0, len), at);
    const octal = (at: number, len: number, n: number) =>
      field(at, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
    const dir = e.data === undefined;
    field(0, 100, e.name);
    octal(100, 8, dir ? 0o755 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, e.data?.length ?? 0);
    octal(136, 12, 1_700_000_000);
    h[156] = dir ? 0x35 : 0x30;
    field(257, 8, 'ustar\x0000');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(h);
    if (e.data) {
      blocks.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) blocks.push(new Uint8Array(pad));
    }
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Gzip layers holding `files` files of `megabytes` in total, in 100-file directories. */
function makeImage(spec: ImageSpec): LayerSource[] {
  const perFile = Math.floor((spec.megabytes * 1024 * 1024) / spec.files);
  let seed = spec.files;
  const layers: LayerSource[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const entries: Array<{ name: string; data?: Uint8Array }> = [];
    if (l === 0) entries.push({ name: 'opt/big.bin', data: new Uint8Array(BIG_FILE).fill(7) });
    for (let i = l; i < spec.files; i += LAYERS) {
      const dir = `opt/d${Math.floor(i / 100)}`;
      if (i % 100 < LAYERS) entries.push({ name: `${dir}/` });
      const data = new Uint8Array(perFile);
      // Compressible but not trivial, like real files.
      for (let j = 0; j < data.length; j += 64) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        data[j] = seed & 0xff;
      }
      entries.push({ name: `${dir}/f${i}.bin`, data });
    }
    const blob = gzipSync(tarOf(entries), { level: 1 });
    layers.push({
      digest: `sha256:bench-${spec.files}-${l}`,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      open: () => [blob],
    });
  }
  return layers;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A container's root as `wasmbox run` builds it: overlay over the image, a tmpfs, a workdir. */
async function containerRoot(cache: LayerTreeCache, layers: LayerSource[]): Promise<DirNode> {
  const tree = await cache.chain(layers);
  const overlay = new Overlay({ lowers: tree ? [tree.root] : [] });
  return buildRootfs({ root: overlay, mounts: [{ target: '/tmp', dir: new MemFs().root }], workdir: '/opt' })
    .fs.root;
}

async function measure(spec: ImageSpec, hello: WebAssembly.Module): Promise<string[]> {
  const layers = makeImage(spec);
  const cold: number[] = [];
  for (let run = 0; run < 3; run++) {
    const cache = new LayerTreeCache();
    const t0 = performance.now();
    await containerRoot(cache, layers);
    cold.push(performance.now() - t0);
  }
  const cache = new LayerTreeCache();
  await containerRoot(cache, layers);
  const warm: number[] = [];
  for (let run = 0; run < 2000; run++) {
    const t0 = performance.now();
    await containerRoot(cache, layers);
    warm.push(performance.now() - t0);
  }
  const start: number[] = [];
  for (let run = 0; run < 200; run++) {
    const t0 = performance.now();
    const root = await containerRoot(cache, layers);
    runModule(hello, { args: ['hello'], preopens: [{ guestPath: '/', dir: root, containerRoot: true }] });
    start.push(performance.now() - t0);
  }
  // First write to a lower file: the copy-up shares the file's chunks instead of copying them.
  const copyUp: number[] = [];
  const tree = await cache.chain(layers);
  for (let run = 0; run < 200; run++) {
    const overlay = new Overlay({ lowers: [tree!.root] });
    const file = (overlay.root.get('opt') as DirNode).get('big.bin');
    if (file?.kind !== 'file') throw new Error('big.bin missing');
    const t0 = performance.now();
    file.open(true).write(new Uint8Array([1]), 0);
    copyUp.push(performance.now() - t0);
  }
  return [
    `${spec.files} files, ${spec.megabytes + (BIG_FILE >> 20)} MB, ${LAYERS} gzip layers`,
    median(cold).toFixed(0),
    median(warm).toFixed(3),
    median(start).toFixed(3),
    median(copyUp).toFixed(4),
  ];
}

/** A markdown table with padded columns, as biome formats it. */
function markdownTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const hello = new WebAssembly.Module(readFileSync(join(benchDir, '..', 'images', 'wasm', 'hello.wasm')));
  const rows: string[][] = [];
  for (const spec of sizes) {
    rows.push(await measure(spec, hello));
    console.error(`measured ${spec.files} files`);
  }
  const header = [
    'image',
    'cold: unpack + root (ms)',
    'warm: root over cached trees (ms)',
    'warm: root + run hello.wasm to exit (ms)',
    `first write to an ${BIG_FILE >> 20} MB lower file (ms)`,
  ];
  const table = markdownTable([header, ...rows]);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const text = `# Root filesystem benchmark

\`npm run bench:rootfs\` (bench/rootfs.ts). Layers are gzip blobs already in memory (as if in the
content store). Cold: a fresh layer-tree cache unpacks every layer (median of 3). Warm: a second
container over the cached trees: overlay + tmpfs mount + working directory (median of 2000); then
the same plus instantiating and running hello.wasm (median of 200). Node ${process.version}, ${cpu},
${os.cpus().length} cores.

${table}
`;
  writeFileSync(join(benchDir, 'ROOTFS.md'), text);
  console.log(table);
}

await main();
