// Blob transfer progress for the terminal, shared by pull and push: on a TTY a bar per blob and
// one for the total (cli-progress's MultiBar, the most used Node progress library, redrawn in
// place); elsewhere one line per blob event, docker's words, so logs and terminals read the same.

import type { SingleBar } from 'cli-progress';
import { formatSize } from './image-env.js';

export interface TransferView {
  /** A blob starts moving, `size` bytes (`Downloading`, `Pushing`). */
  start(digest: string, size: number, status: string): void;
  /** `bytes` more of it moved. */
  advance(digest: string, bytes: number): void;
  /** A blob done moving, or that never had to (`Pull complete`, `Already exists`, `Mounted from x`). */
  finish(digest: string, size: number, status: string): void;
  /** A line of its own (above the bars on a TTY). */
  note(line: string): void;
  stop(): void;
}

const short = (digest: string) => digest.slice(7, 19);

/** One line per start and finish, written by `write`. */
export function plainView(write: (line: string) => void): TransferView {
  return {
    start: (digest, size, status) => write(`${short(digest)}: ${status} ${formatSize(size)}`),
    advance() {},
    finish: (digest, _size, status) => write(`${short(digest)}: ${status}`),
    note: write,
    stop() {},
  };
}

/** Bars on `stream` (a TTY). */
export async function barsView(stream: NodeJS.WriteStream): Promise<TransferView> {
  const { MultiBar, Presets } = await import('cli-progress');
  const multi = new MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      format: '{id}: {bar} {done}/{size} {status}',
      barsize: 30,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, { bar: SingleBar; moved: number; size: number; status: string }>();
  let total: SingleBar | undefined;
  let totalBytes = 0;
  let movedBytes = 0;
  let stopped = false;
  const payload = (done: number, size: number, status: string) => ({
    done: formatSize(done),
    size: formatSize(size),
    status,
  });
  const redrawTotal = () => {
    total ??= multi.create(1, 0, { id: 'total       ', ...payload(0, 0, '') });
    total.setTotal(Math.max(1, totalBytes));
    total.update(movedBytes, payload(movedBytes, totalBytes, ''));
  };
  return {
    start(digest, size, status) {
      const bar = multi.create(Math.max(1, size), 0, { id: short(digest), ...payload(0, size, status) });
      bars.set(digest, { bar, moved: 0, size, status });
      totalBytes += size;
      redrawTotal();
    },
    advance(digest, bytes) {
      const entry = bars.get(digest);
      if (!entry) return;
      entry.moved += bytes;
      movedBytes += bytes;
      entry.bar.update(entry.moved, payload(entry.moved, entry.size, entry.status));
      redrawTotal();
    },
    finish(digest, size, status) {
      const entry = bars.get(digest);
      if (entry) entry.bar.update(Math.max(1, size), payload(size, size, status));
      else multi.create(1, 1, { id: short(digest), ...payload(size, size, status) });
    },
    note: (line) => multi.log(`${line}\n`),
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}

/** Bars on a TTY, lines elsewhere, nothing with `quiet`. */
export async function transferView(
  stream: NodeJS.WriteStream,
  quiet = false,
): Promise<TransferView | undefined> {
  if (quiet) return undefined;
  return stream.isTTY ? barsView(stream) : plainView((line) => stream.write(`${line}\n`));
}
