// The two runtimes under comparison: wasmbox (execWasm) and node:wasi on a real temp directory.
// Each call times instantiate + run to exit; setup and cleanup are outside the timing.
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { execWasm } from '../runtime/engine/exec.js';

export type RuntimeName = 'wasmbox' | 'node:wasi';

export interface RunRequest {
  module: WebAssembly.Module;
  args: string[]; // argv including argv[0]
  env: Record<string, string>;
}

export interface RunOutput {
  ms: number;
  exitCode: number;
  stdoutBytes: number;
  stdoutHead: string; // first HEAD_BYTES bytes of stdout, for verification
  stderr: string;
}

const HEAD_BYTES = 4096;
const decoder = new TextDecoder();

/** Collects a byte count plus a bounded prefix, so large outputs cost almost nothing to keep. */
class CountingSink {
  bytes = 0;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  constructor(private readonly limit: number) {}
  write = (chunk: Uint8Array): void => {
    this.bytes += chunk.byteLength;
    if (this.headBytes < this.limit) {
      const part = chunk.slice(0, this.limit - this.headBytes); // copy: the chunk may alias guest memory
      this.head.push(part);
      this.headBytes += part.byteLength;
    }
  };
  text(): string {
    return decoder.decode(Buffer.concat(this.head));
  }
}

export async function runWasmbox(req: RunRequest): Promise<RunOutput> {
  const stdout = new CountingSink(HEAD_BYTES);
  const stderr = new CountingSink(64 * 1024);
  const t0 = performance.now();
  const { exitCode } = await execWasm(req.module, {
    args: req.args,
    env: req.env,
    stdout: stdout.write,
    stderr: stderr.write,
  });
  const ms = performance.now() - t0;
  return { ms, exitCode, stdoutBytes: stdout.bytes, stdoutHead: stdout.text(), stderr: stderr.text() };
}

export async function runNodeWasi(req: RunRequest): Promise<RunOutput> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-bench-'));
  const root = join(dir, 'root'); // the guest's "/"; stdout/stderr files live outside it
  mkdirSync(root);
  const stdin = openSync('/dev/null', 'r');
  const stdout = openSync(join(dir, 'stdout'), 'w+');
  const stderr = openSync(join(dir, 'stderr'), 'w+');
  try {
    const t0 = performance.now();
    const wasi = new WASI({
      version: 'preview1',
      args: req.args,
      env: req.env,
      preopens: { '/': root },
      stdin,
      stdout,
      stderr,
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(req.module, wasi.getImportObject() as WebAssembly.Imports);
    const exitCode = wasi.start(instance);
    const ms = performance.now() - t0;
    return {
      ms,
      exitCode,
      stdoutBytes: fstatSync(stdout).size,
      stdoutHead: readHead(stdout, HEAD_BYTES),
      stderr: readHead(stderr, 64 * 1024),
    };
  } finally {
    for (const fd of [stdin, stdout, stderr]) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

function readHead(fd: number, limit: number): string {
  const buf = Buffer.alloc(Math.min(limit, fstatSync(fd).size));
  const n = buf.byteLength > 0 ? readSync(fd, buf, 0, buf.byteLength, 0) : 0;
  return decoder.decode(buf.subarray(0, n));
}

export const runners: Record<RuntimeName, (req: RunRequest) => Promise<RunOutput>> = {
  wasmbox: runWasmbox,
  'node:wasi': runNodeWasi,
};
