// Test helper: the real `wasmbox` command (built by the global setup) as a child process whose
// stdin is a pipe and whose output is read as it speaks.

import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/wasmbox.cjs');

export interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `wasmbox ARGS` in the repo root; the environment is PATH plus `env`, nothing else. */
export class Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly ended: Promise<Ended>;
  private waiters: Array<() => void> = [];

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const heard = (): void => {
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      heard();
    });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      heard();
    });
    this.ended = new Promise((done) =>
      this.child.on('close', (code) => done({ code, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  /** Resolves once `text` has appeared on the stream. */
  async waitFor(text: string, where: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    while (!this[where].includes(text)) await new Promise<void>((wake) => this.waiters.push(wake));
  }
}
